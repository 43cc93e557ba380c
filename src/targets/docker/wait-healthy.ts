/**
 * Waiting until a running service passes its own health check, for `restore` (issue 23): before
 * the data is replaced (a database that has just been created may still be initialising) and
 * after (it must still answer). The check is run now, through exec (probe.ts), rather than
 * trusting Docker's health status, which is only as fresh as the service's last interval.
 */
import { probeLoop, probeOnce } from '../../apply/probe.ts';
import { sleep } from '../../apply/sleep.ts';
import type { Engine } from '../../engine/engine.ts';
import { RuntimeError } from '../../errors.ts';
import type { Topology } from '../../model/topology.ts';
import { runningContainer } from './running-container.ts';

/** The longest wait when the service's healthcheck gives no bound of its own. */
const DEFAULT_TIMEOUT_MS = 120_000;

/** Wait until `service`'s running container passes its healthcheck (if it has one). */
export async function waitHealthy(
  engine: Engine,
  topology: Topology,
  service: string,
  options: { signal: AbortSignal; onProgress: (text: string) => void },
): Promise<void> {
  const container = await runningContainer(engine, topology.project, service);
  const healthcheck = topology.services[service]?.healthcheck;
  const test =
    healthcheck?.test ?? (await engine.inspectImage(container.imageId))?.healthcheck?.test;
  if (!test || test[0] === 'NONE') return;
  const timeoutMs = healthcheck
    ? Math.max(30_000, healthcheck.startPeriodMs + healthcheck.retries * healthcheck.intervalMs)
    : DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let checks = 0;
  let loop = true;
  for (;;) {
    const base = checks;
    const probe = loop
      ? await probeLoop(engine, container.id, test, options.signal, (n, code) =>
          options.onProgress(`waiting for ${service} (check ${base + n}: exit ${code})`),
        )
      : await probeOnce(engine, container.id, test, options.signal);
    if (probe.exitCode === 0) return;
    if (probe.noShell) loop = false;
    checks += Math.max(1, probe.checks);
    const details = await engine.inspectContainer(container.id);
    if (!details.running || Date.now() > deadline) {
      throw new RuntimeError(
        `service ${service} on ${engine.hostName} is not healthy${details.running ? ` after ${Math.round(timeoutMs / 1000)} s` : ` (${details.status})`}; last check said: ${probe.output.trim().slice(-300)}`,
        { hint: `See \`notesctl logs ${service}\`.` },
      );
    }
    if (!loop) await sleep(300, options.signal);
  }
}
