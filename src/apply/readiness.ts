/**
 * Waiting for a service to be ready. Docker 20.10 (API 1.41) has no healthcheck start_interval:
 * a container turns "healthy" only after its first full `interval`. So `up` does not wait for
 * Docker's status: it runs the service's own healthcheck command through exec at a fast,
 * growing cadence (100 ms → 300 ms) until it passes, while the container keeps the topology's
 * steady-state interval (30 s by default) — a fast `up` and cheap checks afterwards. The cap
 * assumes a cheap check (the Notes apps' is a bash /dev/tcp request, a few ms): with a Node
 * check (0.4–0.6 s of CPU each here) a 0.5 s cap gained nothing, the probes competing with the
 * starting services for this 2-core machine's CPU.
 */
import { Writable } from 'node:stream';
import { RuntimeError } from '../errors.ts';
import type { Engine } from '../engine/engine.ts';
import type { DependencyCondition } from '../model/topology.ts';
import type { Readiness } from '../plan/types.ts';

const FIRST_PROBE_DELAY_MS = 100;
const MAX_PROBE_DELAY_MS = 300;
const PROBE_TIMEOUT_MS = 10_000;

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
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    // The probe runs alongside the inspect (a round trip less per attempt over SSH); its answer
    // counts only when the inspect shows a running container.
    const [inspected, probed] = await Promise.allSettled([
      engine.inspectContainer(containerId),
      readiness.test && condition !== 'started'
        ? runProbe(engine, containerId, readiness.test, signal)
        : undefined,
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
      lastOutput = probe.output;
      onProgress(`waiting for ${service} (probe ${attempt}: exit ${probe.exitCode})`);
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

/** Run a Docker-style healthcheck test (`CMD …` or `CMD-SHELL …`) once through exec. */
async function runProbe(
  engine: Engine,
  containerId: string,
  test: string[],
  signal: AbortSignal,
): Promise<{ exitCode: number; output: string }> {
  const [kind, ...rest] = test;
  const cmd =
    kind === 'CMD-SHELL' ? ['/bin/sh', '-c', rest.join(' ')] : kind === 'CMD' ? rest : test;
  let output = '';
  const collect = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      output = (output + chunk.toString()).slice(-2000);
      callback();
    },
  });
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS);
  try {
    const exitCode = await engine.exec(containerId, {
      cmd,
      stdout: collect,
      stderr: collect,
      signal: AbortSignal.any([signal, timeout]),
    });
    return { exitCode, output };
  } catch (error) {
    if (signal.aborted) throw error;
    // A probe that cannot even run (container restarting) counts as a failed check.
    return { exitCode: -1, output: error instanceof Error ? error.message : String(error) };
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

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
