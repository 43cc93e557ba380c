/**
 * Each service's own start-to-ready time, the floor under any tool's cold `up`: containers
 * created (by the docker CLI script) but not started, then started one at a time in dependency
 * order, each timed from the `docker start` API call to the end of the first run of its own
 * healthcheck command that passes. The check repeats inside the container, 20 ms apart, in one
 * exec (a shell loop, created right after the start call returns): the floor is not raised by a
 * prober's own lag between checks, only by one exec's set-up.
 */
import type Docker from 'dockerode';
import { Writable } from 'node:stream';
import { checkArgv } from '../../src/apply/probe.ts';
import type { Topology } from '../../src/model/topology.ts';
import { docker } from './cleanup.ts';
import { dependencyLevels } from './docker-script.ts';
import { timeCommand, type CommandSpec } from './timing.ts';

const DEADLINE_MS = 180_000;

/**
 * $@: the check. Runs it until it passes, 20 ms apart; prints how many runs and how long the
 * passing one took (ns), from date(1) inside the container.
 */
const LOOP = `n=1
while :; do
  s=$(date +%s%N)
  if "$@" >/dev/null 2>&1; then e=$(date +%s%N); echo "$n $((e - s))"; exit 0; fi
  n=$((n + 1))
  sleep 0.02
done`;

/** One service's measurement. */
export interface ServiceReady {
  ms: number;
  probes: number;
  /** Duration of the passing probe (part of `ms`: a tool can know no sooner). */
  probeMs: number;
}

/** Run the check loop in the container once; how many runs and the passing one's time. */
async function loopUntilReady(
  container: Docker.Container,
  test: string[],
): Promise<{ probes: number; probeMs: number } | undefined> {
  const exec = await container.exec({
    Cmd: ['/bin/sh', '-c', LOOP, 'ready-loop', ...checkArgv(test)],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    stream.pipe(
      new Writable({
        write: (chunk: Buffer, _encoding, done) => {
          out += chunk.toString('latin1');
          done();
        },
      }),
    );
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  const match = /(\d+) (\d+)\s*$/.exec(out);
  if ((await exec.inspect()).ExitCode !== 0 || !match) return undefined;
  return { probes: Number(match[1]), probeMs: Number(match[2]) / 1e6 };
}

/** Start the container and wait, inside it, until its check passes. */
async function startAndWait(
  engine: Docker,
  name: string,
  test: string[] | undefined,
): Promise<ServiceReady> {
  const container = engine.getContainer(name);
  const started = performance.now();
  await container.start();
  if (!test) return { ms: performance.now() - started, probes: 0, probeMs: 0 };
  for (;;) {
    // A loop that cannot run (the container is restarting) is tried again.
    const passed = await loopUntilReady(container, test).catch(() => undefined);
    const now = performance.now();
    if (passed) return { ms: now - started, ...passed };
    await new Promise((r) => setTimeout(r, 50));
    const after = (await container.inspect()).State;
    if (!after.Running && !after.Restarting)
      throw new Error(
        `${name} stopped (${after.Status}, exit ${after.ExitCode}) before it was ready`,
      );
    if (now - started > DEADLINE_MS) throw new Error(`${name} not ready after ${DEADLINE_MS} ms`);
  }
}

/**
 * Measure every service once. `reset` empties the stage first: `down -v` for fresh volumes
 * (MariaDB's first-time init included), `down` to start on the volumes of a previous run.
 * `engine` is the one the script deploys to (a remote host's, reached here by its own socket).
 */
export async function measureServices(
  topology: Topology,
  prefix: string,
  commands: { reset: CommandSpec; create: CommandSpec },
  engine: Docker = docker,
): Promise<Map<string, ServiceReady>> {
  await timeCommand(commands.reset);
  await timeCommand(commands.create);
  const levels = dependencyLevels(topology);
  const order = Object.keys(topology.services).sort(
    (a, b) => (levels.get(a) ?? 0) - (levels.get(b) ?? 0) || a.localeCompare(b),
  );
  const result = new Map<string, ServiceReady>();
  for (const service of order) {
    const test = topology.services[service]?.healthcheck?.test;
    result.set(service, await startAndWait(engine, `${prefix}-${service}`, test));
  }
  return result;
}

/** The longest dependency chain by the sum of its services' times: its length and its path. */
export function longestChain(
  topology: Topology,
  ms: Map<string, number>,
): { ms: number; path: string[] } {
  const memo = new Map<string, { ms: number; path: string[] }>();
  const chain = (name: string): { ms: number; path: string[] } => {
    const known = memo.get(name);
    if (known) return known;
    let best = { ms: 0, path: [] as string[] };
    for (const dep of Object.keys(topology.services[name]?.dependsOn ?? {})) {
      const c = chain(dep);
      if (c.ms > best.ms) best = c;
    }
    const value = { ms: best.ms + (ms.get(name) ?? 0), path: [...best.path, name] };
    memo.set(name, value);
    return value;
  };
  return Object.keys(topology.services)
    .map(chain)
    .reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, path: [] });
}
