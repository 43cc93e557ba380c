/**
 * Waiting for a service to be ready. Docker 20.10 (API 1.41) has no healthcheck start_interval:
 * a container turns "healthy" only after its first full `interval`. So `up` does not wait for
 * Docker's status: it runs the service's own healthcheck command itself, while the container
 * keeps the topology's steady-state interval (30 s by default) — a fast `up` and cheap checks
 * afterwards. The check runs in a loop inside the container, every 0.1 s, through one exec per
 * window of attempts (probe.ts): `up` hears of readiness a tenth of a second after it, without
 * an exec's set-up and a round trip per attempt. Between windows the container is inspected, so a
 * crash ends the wait at once. Images without /bin/sh get one exec per check instead, at a growing
 * cadence (100 ms → 300 ms).
 */
import { RuntimeError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import type { DependencyCondition } from '../model/topology.ts';
import type { Readiness } from '../plan/types.ts';
import { probeLoop, probeOnce } from './probe.ts';
import { sleep } from './sleep.ts';

const FIRST_PROBE_DELAY_MS = 100;
const MAX_PROBE_DELAY_MS = 300;

/** Wait until `containerId` satisfies `condition`; throws RuntimeError naming the service. */
export async function waitReady(
  engine: Engine,
  service: string,
  containerId: string,
  condition: DependencyCondition,
  readiness: Readiness,
  signal: AbortSignal,
  onProgress: (text: string) => void,
): Promise<void> {
  if (condition === 'completed') {
    const code = await engine.waitContainer(containerId, signal);
    if (code !== 0) throw await notReady(engine, service, containerId, `exited with code ${code}`);
    return;
  }
  const deadline = Date.now() + readiness.timeoutMs;
  let delay = FIRST_PROBE_DELAY_MS;
  let lastOutput = '';
  const test = readiness.test && condition !== 'started' ? readiness.test : undefined;
  let loop = true;
  let checks = 0;
  const progress = (check: number, exitCode: number) =>
    onProgress(`waiting for ${service} (check ${check}: exit ${exitCode})`);
  for (;;) {
    signal.throwIfAborted();
    // The probe runs alongside the inspect (a round trip less per window over SSH); its answer
    // counts only when the inspect shows a running container.
    const base = checks;
    const [inspected, probed] = await Promise.allSettled([
      engine.inspectContainer(containerId),
      test === undefined
        ? undefined
        : loop
          ? probeLoop(engine, containerId, test, signal, (n, code) => progress(base + n, code))
          : probeOnce(engine, containerId, test, signal),
    ]);
    if (inspected.status === 'rejected') throw inspected.reason;
    if (probed.status === 'rejected') throw probed.reason;
    const details = inspected.value;
    const probe = probed.value;
    // A one-shot job that already finished cleanly has started (and done its work).
    if (
      condition === 'started' &&
      !details.running &&
      details.status === 'exited' &&
      details.exitCode === 0
    )
      return;
    if (!details.running && details.status !== 'restarting') {
      throw await notReady(
        engine,
        service,
        containerId,
        `stopped (${details.status}, exit code ${details.exitCode})`,
      );
    }
    if (
      details.running &&
      (condition === 'started' || !readiness.test || details.health === 'healthy')
    )
      return;
    if (details.running && probe) {
      if (probe.exitCode === 0) return;
      if (probe.noShell) loop = false;
      checks += Math.max(1, probe.checks);
      lastOutput = probe.output;
      if (!loop) progress(checks, probe.exitCode);
    }
    if (Date.now() + delay > deadline) {
      throw await notReady(
        engine,
        service,
        containerId,
        `not healthy after ${Math.round(readiness.timeoutMs / 1000)} s${lastOutput ? `; last check said: ${lastOutput.trim().slice(-300)}` : ''}`,
      );
    }
    await sleep(delay, signal);
    delay = Math.min(MAX_PROBE_DELAY_MS, Math.round(delay * 1.5));
  }
}

async function notReady(
  engine: Engine,
  service: string,
  containerId: string,
  why: string,
): Promise<RuntimeError> {
  const lines: string[] = [];
  try {
    for await (const line of engine.logs(containerId, {
      follow: false,
      tail: 15,
      since: undefined,
      timestamps: false,
    })) {
      lines.push(`    ${line.text}`);
    }
  } catch {
    lines.push('    (logs unavailable)');
  }
  return new RuntimeError(
    `service ${service} on ${engine.hostName} is not ready: ${why}\n  last log lines:\n${lines.join('\n') || '    (none)'}`,
    { hint: `See more with \`notesctl logs ${service}\`; fix and run \`notesctl up\` again.` },
  );
}
