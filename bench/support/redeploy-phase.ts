/**
 * One tool's part of the redeploy benchmark: a cold `up` of its copy of the stack, a user and a
 * note (so both pages of the load answer 200), then the steady load on the tool's published
 * port while notes is replaced once per prepared version, with quiet load before, between and
 * after. A redeploy's window runs from the command's spawn until the first 2xx of a request due
 * after the command returned (for compose, whose `up -d` returns before the app listens, that is
 * later than the return). After each one the bench checks that the new image is what runs.
 */
import { loadavg } from 'node:os';
import { seedData } from '../../test/support/faults/notes-data.ts';
import type { Window } from './load-stats.ts';
import type { NotesVersion } from './notes-versions.ts';
import type { RedeployTool } from './redeploy-tools.ts';
import { startSteadyLoad, type RequestRecord } from './steady-load.ts';
import { waitHttpOk } from './timing.ts';

/** How the phase runs. */
export interface PhaseOptions {
  /** Requests per second. */
  rate: number;
  /** Quiet load before the first redeploy and after each one. */
  quietMs: number;
}

/** One redeploy: its window on the load's clock, when the command returned, what it printed. */
export interface Redeploy extends Window {
  commandEnd: number;
  output: string;
}

/** What one tool's phase measured. */
export interface PhaseResult {
  tool: string;
  records: RequestRecord[];
  redeploys: Redeploy[];
  /** The two paths of the load. */
  paths: string[];
  /** 1-minute load average when the load started and when it stopped. */
  load1: [number, number];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Check that `path` answers 200 on `port` before any load runs. */
async function expectOk(port: number, path: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
}

/** Run `tool` through the cold up, the seed and the redeploys of versions[1..]. */
export async function runPhase(
  tool: RedeployTool,
  versions: NotesVersion[],
  options: PhaseOptions,
  log: (text: string) => void,
): Promise<PhaseResult> {
  const [first, ...next] = versions;
  if (!first) throw new Error('no notes version to deploy');
  log(`${tool.name}: cold up`);
  await tool.up(first);
  const base = `http://127.0.0.1:${tool.port}`;
  await waitHttpOk(`${base}/health`);
  const seeded = await seedData(tool.cli, base, 1, 'bench');
  const paths = ['/', `/notes/view?key=${encodeURIComponent(seeded.notes[0] ?? '')}`];
  for (const path of paths) await expectOk(tool.port, path);

  // Bounded: the quiet spans plus 3 minutes per redeploy at most, whatever happens.
  const maxMs = options.quietMs * (next.length + 1) + 180_000 * next.length;
  log(`${tool.name}: ${options.rate} req/s on port ${tool.port} (${paths.join(', ')})`);
  const load = startSteadyLoad({ port: tool.port, paths, rate: options.rate, maxMs });
  const load1Start = loadavg()[0] ?? NaN;
  const redeploys: Redeploy[] = [];
  let records: RequestRecord[];
  try {
    await sleep(options.quietMs);
    for (const [i, version] of next.entries()) {
      log(`${tool.name}: redeploy ${i + 1}/${next.length}`);
      const start = load.now();
      const output = await tool.redeploy(version);
      const commandEnd = load.now();
      const end = await load.firstOkAfter(commandEnd, 120_000);
      redeploys.push({ start, end, commandEnd, output });
      const serving = await tool.servingImages();
      if (serving.length !== 1 || serving[0] !== version.imageId)
        throw new Error(
          `${tool.name}: after redeploy ${i + 1}, notes runs ${serving.join(', ') || 'nothing'}, not ${version.imageId}`,
        );
      await sleep(options.quietMs);
    }
  } finally {
    records = await load.stop();
  }
  return { tool: tool.name, records, redeploys, paths, load1: [load1Start, loadavg()[0] ?? NaN] };
}
