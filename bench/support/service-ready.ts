/**
 * Each service's own start-to-ready time, the floor under any tool's cold `up`: containers
 * created (by the docker CLI script) but not started, then started one at a time in dependency
 * order, each timed from the `docker start` API call to the end of the first run of its own
 * healthcheck command (through exec, 25 ms between runs) that passes.
 */
import type Docker from 'dockerode';
import { Writable } from 'node:stream';
import type { Topology } from '../../src/model/topology.ts';
import { docker } from './cleanup.ts';
import { dependencyLevels, healthArgs } from './docker-script.ts';
import { timeCommand, type CommandSpec } from './timing.ts';

const PROBE_GAP_MS = 25;
const DEADLINE_MS = 180_000;

/** One service's measurement. */
export interface ServiceReady {
  ms: number;
  probes: number;
  /** Duration of the passing probe (part of `ms`: a tool can know no sooner). */
  probeMs: number;
}

/** Run the healthcheck command in the container once; its exit code. */
async function probe(engine: Docker, containerId: string, cmd: string[]): Promise<number> {
  const exec = await engine.getContainer(containerId).exec({
    Cmd: cmd,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve, reject) => {
    stream.pipe(new Writable({ write: (_chunk, _encoding, done) => done() }));
    stream.once('end', resolve);
    stream.once('error', reject);
  });
  return (await exec.inspect()).ExitCode ?? 1;
}

async function startAndWait(
  engine: Docker,
  name: string,
  test: string[] | undefined,
): Promise<ServiceReady> {
  const container = engine.getContainer(name);
  const started = performance.now();
  await container.start();
  if (!test) return { ms: performance.now() - started, probes: 0, probeMs: 0 };
  const cmd = healthArgs(test);
  for (let probes = 1; ; probes++) {
    const probeStarted = performance.now();
    const code = await probe(engine, name, cmd).catch(() => -1);
    const now = performance.now();
    if (code === 0) return { ms: now - started, probes, probeMs: now - probeStarted };
    const state = (await container.inspect()).State;
    if (!state.Running && !state.Restarting)
      throw new Error(
        `${name} stopped (${state.Status}, exit ${state.ExitCode}) before it was ready`,
      );
    if (now - started > DEADLINE_MS) throw new Error(`${name} not ready after ${DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
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
