/**
 * The measurements, interleaved: each round runs every tool (in a rotated order, so drift in the
 * machine's load spreads over all of them) through down -v → cold up (fresh volumes) → down →
 * cold up (existing volumes) → down, then measures the services' own start-to-ready times. The
 * short commands (no-op `up`, `ps`) go through hyperfine once, in the first round, while that
 * tool's stack is up. Only one stack runs at a time.
 */
import { readdir, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile } from './profile.ts';
import { longestChain, measureServices, type ServiceReady } from './service-ready.ts';
import { hyperfine, timeColdUp, timeCommand, type ColdUp, type Sample } from './timing.ts';
import type { Tool } from './tools.ts';
import type { Workspace } from './workspace.ts';
import { NOTESCTL } from './workspace.ts';

/** Everything measured. */
export interface Results {
  coldFresh: Map<string, ColdUp[]>;
  coldExisting: Map<string, ColdUp[]>;
  down: Map<string, number[]>;
  noop: Map<string, Sample>;
  ps: Map<string, Sample>;
  /** Start-up floors for reading the no-op figures. */
  baselines: Map<string, Sample>;
  services: { fresh: Map<string, ServiceReady[]>; existing: Map<string, ServiceReady[]> };
  chains: { fresh: number[]; existing: number[]; path: string[] };
  loads: number[][];
  /** Summaries of CPU profiles of notesctl's no-op `up` and `ps` (with --profile). */
  profiles: string[];
  /** Every timed step in order, with the 1-minute load average when it began. */
  samples: { round: number; tool: string; step: string; ms: number; load1: number }[];
}

/** Profile notesctl's no-op `up` and `ps` (the third run of each: compile cache warm). */
export async function profile(tool: Tool, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const [name, spec] of [
    ['no-op up', tool.up],
    ['ps', tool.ps],
  ] as const) {
    const target = join(dir, name.replace(/\W+/g, '-'));
    const [bin = '', ...args] = spec.argv;
    for (let i = 0; i < 3; i++) {
      await rm(target, { recursive: true, force: true });
      await timeCommand({
        ...spec,
        argv: [process.execPath, '--cpu-prof', `--cpu-prof-dir=${target}`, bin, ...args],
      });
    }
    const [file] = await readdir(target);
    if (file)
      out.push(
        `notesctl ${name}: ${join(target, file)}\n${await summarizeProfile(join(target, file))}`,
      );
  }
  return out;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}

/** Run `runs` rounds; `fastRuns` hyperfine runs for no-op up and ps. */
export async function measure(
  ws: Workspace,
  all: { notesctl: Tool; compose: Tool; script: Tool; scriptExec: Tool },
  runs: number,
  fastRuns: number,
  log: (text: string) => void,
  profileDir?: string,
): Promise<Results> {
  const r: Results = {
    coldFresh: new Map(),
    coldExisting: new Map(),
    down: new Map(),
    noop: new Map(),
    ps: new Map(),
    baselines: new Map(),
    services: { fresh: new Map(), existing: new Map() },
    chains: { fresh: [], existing: [], path: [] },
    loads: [loadavg()],
    profiles: [],
    samples: [],
  };
  /** Time one step through `fn`, log it with the load it began under, return its result. */
  const step = async <T>(round: number, tool: string, name: string, fn: () => Promise<T>) => {
    const load1 = loadavg()[0] ?? 0;
    const value = await fn();
    const ms = typeof value === 'number' ? value : (value as { healthyMs: number }).healthyMs;
    r.samples.push({ round, tool, step: name, ms, load1 });
    return value;
  };
  const json = (name: string) => join(ws.dir, `hyperfine-${name.replace(/\W+/g, '-')}.json`);
  const at = (argv: string[]) => ({ argv, cwd: ws.dir, env: ws.env });
  r.baselines.set(
    'node -e 0',
    await hyperfine(at([process.execPath, '-e', '0']), fastRuns, json('node')),
  );
  r.baselines.set(
    'notesctl --version',
    await hyperfine(at([NOTESCTL, '--version']), fastRuns, json('version')),
  );
  const tools = [all.notesctl, all.compose, all.script, all.scriptExec];
  for (let round = 0; round < runs; round++) {
    const order = tools.map((_, i) => tools[(i + round) % tools.length] as Tool);
    for (const tool of order) {
      const url = `http://127.0.0.1:${tool.port}/health`;
      // The script's two wait modes share its down; their samples count once, as `script`.
      const downKey = tool === all.scriptExec ? all.script.name : tool.name;
      log(`round ${round + 1}/${runs}: ${tool.name}`);
      await timeCommand(tool.downVolumes);
      const n = round + 1;
      push(
        r.coldFresh,
        tool.name,
        await step(n, tool.name, 'cold up fresh', () => timeColdUp(tool.up, url)),
      );
      if (round === 0 && tool !== all.scriptExec) {
        r.noop.set(tool.name, await hyperfine(tool.up, fastRuns, json(`${tool.name}-noop`)));
        r.ps.set(tool.name, await hyperfine(tool.ps, fastRuns, json(`${tool.name}-ps`)));
        if (tool === all.notesctl && profileDir) r.profiles = await profile(tool, profileDir);
      }
      const down = () => step(n, downKey, 'down', () => timeCommand(tool.down));
      push(r.down, downKey, await down());
      push(
        r.coldExisting,
        tool.name,
        await step(n, tool.name, 'cold up existing', () => timeColdUp(tool.up, url)),
      );
      push(r.down, downKey, await down());
      r.loads.push(loadavg());
    }
    log(`round ${round + 1}/${runs}: services one at a time`);
    const create = { ...all.script.up, argv: ['bash', ws.script.scriptFile, 'create'] };
    const topology = ws.script.topology;
    for (const [kind, reset] of [
      ['fresh', all.script.downVolumes],
      ['existing', all.script.down],
    ] as const) {
      const measured = await measureServices(topology, ws.script.project, { reset, create });
      for (const [service, m] of measured) push(r.services[kind], service, m);
      for (const [service, m] of measured)
        r.samples.push({
          round: round + 1,
          tool: service,
          step: `ready ${kind}`,
          ms: m.ms,
          load1: loadavg()[0] ?? 0,
        });
      const chain = longestChain(topology, new Map([...measured].map(([s, m]) => [s, m.ms])));
      r.chains[kind].push(chain.ms);
      r.chains.path = chain.path;
    }
    await timeCommand(all.script.downVolumes);
    r.loads.push(loadavg());
  }
  return r;
}
