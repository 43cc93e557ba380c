/**
 * How the containers the engine reports compare with a desired service: which are its, which one
 * can stay, and why a new one is needed. Matching is by label, never by name: the service label
 * says whose a container is, the config-hash label whether it runs the current configuration.
 */
import type { ContainerSummary } from '../../engine/engine.ts';
import { LABEL } from '../../model/names.ts';
import type { DesiredService } from '../types.ts';

const RUNNING_STATES = new Set(['running', 'restarting']);

/** Running, or a one-shot job (restart: no) that finished cleanly: done, not stopped. */
export function isSettled(container: ContainerSummary, service: DesiredService): boolean {
  const finishedJob =
    container.state === 'exited' && container.exitCode === 0 && service.spec.restart.name === 'no';
  return RUNNING_STATES.has(container.state) || finishedJob;
}

/** The container to keep: the config hash matches; a running one before a stopped one. */
export function pickReusable(
  containers: ContainerSummary[],
  hash: string,
): ContainerSummary | undefined {
  // A container left in "created" by an interrupted run may lack its secrets or networks: never
  // reuse it.
  const matching = containers.filter(
    (c) => c.labels[LABEL.configHash] === hash && c.state !== 'created',
  );
  return matching.find((c) => RUNNING_STATES.has(c.state)) ?? matching[0];
}

/** Why the service gets a new container: the cause the plan shows for its create. */
export function describeCreateCause(
  containers: ContainerSummary[],
  hash: string,
  force: boolean,
): string {
  if (containers.length === 0) return 'not created yet';
  if (force) return '--force-recreate';
  if (containers.some((c) => c.labels[LABEL.configHash] === hash))
    return 'previous attempt did not finish';
  return 'configuration or image changed (config hash differs)';
}

/** The project's containers by their service label (unlabelled ones are not ours). */
export function groupByService(containers: ContainerSummary[]): Map<string, ContainerSummary[]> {
  const map = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const service = c.labels[LABEL.service];
    if (service === undefined) continue;
    map.set(service, [...(map.get(service) ?? []), c]);
  }
  return map;
}
