/**
 * Finding a service's running container by label (never by name).
 */
import type { ContainerSummary, Engine } from '../../engine/engine.ts';
import { RuntimeError } from '../../errors.ts';
import { LABEL } from '../../model/names.ts';

/** The running container of `service`, or a clear error saying how to start it. */
export async function runningContainer(
  engine: Engine,
  project: string,
  service: string,
): Promise<ContainerSummary> {
  const containers = await engine.listContainers({
    [LABEL.project]: project,
    [LABEL.service]: service,
  });
  const running = containers.find((c) => c.state === 'running');
  if (running) return running;
  throw new RuntimeError(
    containers.length === 0
      ? `service ${service} has no container on ${engine.hostName}`
      : `service ${service} is not running on ${engine.hostName} (${containers.map((c) => c.state).join(', ')})`,
    { hint: `Start it with \`notesctl up ${service}\`.` },
  );
}
