/**
 * The remote measurements, interleaved like bench/local.ts: each round runs every tool, in an
 * order rotated per round, through cold up (existing volumes: the databases were initialised by
 * an untimed first deploy) → down; in the first round, while a tool's stack is up, hyperfine
 * times its no-op `up` and `ps` (then `whileUp` runs, e.g. the one-line change). One stack at a time. The delay proxy counts the SSH connections
 * each command opens.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { DelayProxy } from '../../test/bed/delay-proxy.ts';
import { hyperfine, timeColdUp, timeCommand, type ColdUp } from './timing.ts';
import type { CommandSpec, Sample } from './timing.ts';
import type { Tool } from './tools.ts';

/** Everything measured. */
export interface RemoteResults {
  cold: Map<string, ColdUp[]>;
  down: Map<string, number[]>;
  noop: Map<string, Sample>;
  ps: Map<string, Sample>;
  /** SSH connections per command: tool → step → one count per command (mean for hyperfine). */
  connections: Map<string, Map<string, number[]>>;
  /** Floors: Node's start-up, loading the CLI, one OpenSSH login through the proxy. */
  baselines: Map<string, Sample>;
  loads: number[][];
  /** Every timed step in order, with the 1-minute load average when it began. */
  samples: {
    round: number;
    tool: string;
    step: string;
    ms: number;
    load1: number;
    connections: number;
  }[];
}

/** How to measure. */
export interface RemoteRoundsOptions {
  runs: number;
  fastRuns: number;
  proxy: DelayProxy;
  /** notes' /health as published by the tool's stack on the host (not through the proxy). */
  healthUrl: (tool: Tool) => string;
  /** Folder for hyperfine's JSON files. */
  dir: string;
  floors: [string, CommandSpec][];
  log: (text: string) => void;
  /** Run in the first round while the tool's stack is up, after its no-op `up` and `ps`. */
  whileUp?: (tool: Tool) => Promise<void>;
}

/** Deploy once, untimed (ships the images, initialises the databases), then take it down. */
export async function primeTool(tool: Tool, url: string): Promise<void> {
  await timeColdUp(tool.up, url);
  await timeCommand(tool.down);
}

/** Run `runs` rounds over `tools` (the first is the one the ratios divide by). */
export async function measureRemote(tools: Tool[], o: RemoteRoundsOptions): Promise<RemoteResults> {
  const r: RemoteResults = {
    cold: new Map(),
    down: new Map(),
    noop: new Map(),
    ps: new Map(),
    connections: new Map(),
    baselines: new Map(),
    loads: [loadavg()],
    samples: [],
  };
  const json = (name: string) => join(o.dir, `hyperfine-${name.replace(/\W+/g, '-')}.json`);
  const count = (tool: string, step: string, n: number) => {
    const steps = r.connections.get(tool) ?? new Map<string, number[]>();
    steps.set(step, [...(steps.get(step) ?? []), n]);
    r.connections.set(tool, steps);
  };
  /** Run `fn` with the proxy's counter zeroed; record time, load and connections. */
  const step = async <T extends number | ColdUp>(
    round: number,
    tool: string,
    name: string,
    fn: () => Promise<T>,
  ): Promise<T> => {
    const load1 = loadavg()[0] ?? 0;
    o.proxy.resetStats();
    const value = await fn();
    const connections = o.proxy.stats.connections;
    const ms = typeof value === 'number' ? value : value.healthyMs;
    r.samples.push({ round, tool, step: name, ms, load1, connections });
    count(tool, name, connections);
    return value;
  };
  const fast = async (tool: Tool, name: 'no-op up' | 'ps', spec: CommandSpec) => {
    o.proxy.resetStats();
    const sample = await hyperfine(spec, o.fastRuns, json(`${tool.name}-${name}`));
    // hyperfine runs the command once more as a warm-up.
    count(tool.name, name, o.proxy.stats.connections / (o.fastRuns + 1));
    return sample;
  };
  for (const [name, spec] of o.floors) {
    r.baselines.set(name, await hyperfine(spec, o.fastRuns, json(name)));
  }
  for (let round = 0; round < o.runs; round++) {
    const order = tools.map((_, i) => tools[(i + round) % tools.length] as Tool);
    for (const tool of order) {
      o.log(`round ${round + 1}/${o.runs}: ${tool.name}`);
      const url = o.healthUrl(tool);
      const n = round + 1;
      const cold = await step(n, tool.name, 'cold up', () => timeColdUp(tool.up, url));
      r.cold.set(tool.name, [...(r.cold.get(tool.name) ?? []), cold]);
      if (round === 0) {
        r.noop.set(tool.name, await fast(tool, 'no-op up', tool.up));
        r.ps.set(tool.name, await fast(tool, 'ps', tool.ps));
        await o.whileUp?.(tool);
      }
      const down = await step(n, tool.name, 'down', () => timeCommand(tool.down));
      r.down.set(tool.name, [...(r.down.get(tool.name) ?? []), down]);
      r.loads.push(loadavg());
    }
  }
  return r;
}
