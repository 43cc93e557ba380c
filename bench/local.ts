/**
 * Local-engine benchmark (issue 5): notesctl beside Debian's docker-compose 1.29 and a careful
 * docker CLI script, on the same Notes topology, measured in one run. Cold `up` to all-healthy
 * (fresh and existing volumes), no-op `up`, `ps`, `down`; each service's own start-to-ready time
 * and the longest dependency chain; the issue's targets. bench/README.md explains every figure.
 *
 *   npm run build && node bench/local.ts [--runs 3] [--fast-runs 10] [--profile DIR] [--json FILE]
 */
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanUpOnSignals, docker, runCleanup } from './support/cleanup.ts';
import {
  cell,
  ratio,
  sampleOf,
  seconds,
  table,
  targetTable,
  type Target,
  writeRawFigures,
} from './support/report.ts';
import { measure, type Results } from './support/rounds.ts';
import { summarize, type Sample } from './support/timing.ts';
import { tools } from './support/tools.ts';
import { distIsFresh, prepareWorkspace } from './support/workspace.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'fast-runs': { type: 'string', default: '10' },
    profile: { type: 'string' },
    json: { type: 'string' },
  },
});
const runs = Number(values.runs);
const fastRuns = Number(values['fast-runs']);
if (!(runs >= 1 && fastRuns >= 2)) {
  console.error(
    'usage: node bench/local.ts [--runs N (≥ 1, default 3)] [--fast-runs M (≥ 2, default 10)] [--profile DIR] [--json FILE]',
  );
  process.exit(2);
}

const started = performance.now();
const log = (text: string) =>
  console.error(`[bench +${((performance.now() - started) / 1000).toFixed(0)} s] ${text}`);

if (!(await distIsFresh())) {
  console.error(
    'dist/ is missing or older than src/: run `npm run build` first (the bench times bin/notesctl).',
  );
  process.exit(2);
}

const fmtLoad = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
const loadBefore = loadavg();
const others = (await docker.listContainers()).length;
cleanUpOnSignals();
let results: Results | undefined;
try {
  const ws = await prepareWorkspace(log);
  const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
  results = await measure(ws, tools(ws), runs, fastRuns, log, profileDir);
} finally {
  log('cleaning up');
  await runCleanup();
}
const loadAfter = loadavg();
print(results);
if (values.json !== undefined) {
  await writeRawFigures(values.json, {
    runs,
    fastRuns,
    loadBefore,
    loadAfter,
    samples: results.samples,
    noop: results.noop,
    ps: results.ps,
    baselines: results.baselines,
    chains: results.chains,
  });
}

function print(r: Results): void {
  const names = ['notesctl', 'compose v1', 'script', 'script+exec'];
  const cold = (
    m: Map<string, { healthyMs: number; returnedMs: number }[]>,
    k: 'healthyMs' | 'returnedMs',
  ) => new Map(names.map((n) => [n, sampleOf((m.get(n) ?? []).map((c) => c[k]))]));
  const coldFresh = cold(r.coldFresh, 'healthyMs');
  const coldExisting = cold(r.coldExisting, 'healthyMs');
  const rows: [string, Map<string, Sample>][] = [
    ['cold up, fresh volumes → healthy', coldFresh],
    ['  (tool returned)', cold(r.coldFresh, 'returnedMs')],
    ['cold up, existing volumes → healthy', coldExisting],
    ['  (tool returned)', cold(r.coldExisting, 'returnedMs')],
    ['no-op up', r.noop],
    ['ps', r.ps],
    ['down (keep volumes)', new Map([...r.down].map(([n, t]) => [n, sampleOf(t)]))],
  ];
  const main = table([
    ['median (min)', ...names, 'notesctl÷compose', 'notesctl÷script', 'notesctl÷script+exec'],
    ...rows.map(([label, m]) => [
      label,
      ...names.map((n) => cell(m.get(n))),
      ratio(m.get('notesctl'), m.get('compose v1')),
      ratio(m.get('notesctl'), m.get('script')),
      ratio(m.get('notesctl'), m.get('script+exec')),
    ]),
  ]);
  const services = [...r.services.fresh.keys()];
  const svc = (list: { ms: number }[] | undefined) =>
    cell(summarize((list ?? []).map((m) => m.ms)));
  const probe = (list: { probeMs: number }[] | undefined) =>
    seconds(summarize((list ?? []).map((m) => m.probeMs)).median);
  const chainFresh = summarize(r.chains.fresh);
  const chainExisting = summarize(r.chains.existing);
  const serviceTable = table([
    ['service', 'fresh volumes (first start)', 'existing volumes', 'passing probe takes'],
    ...services.map((s) => [
      s,
      svc(r.services.fresh.get(s)),
      svc(r.services.existing.get(s)),
      probe(r.services.existing.get(s)),
    ]),
    [`longest chain ${r.chains.path.join(' → ')}`, cell(chainFresh), cell(chainExisting), ''],
  ]);
  const med = (m: Map<string, Sample>, n = 'notesctl') => m.get(n)?.median ?? NaN;
  const coldF = med(coldFresh);
  const coldE = med(coldExisting);
  const down = summarize(r.down.get('notesctl') ?? []).median;
  const targets: Target[] = [
    { name: 'no-op up ≤ 0.25 s', measured: seconds(med(r.noop)), pass: med(r.noop) <= 250 },
    { name: 'ps ≤ 0.15 s', measured: seconds(med(r.ps)), pass: med(r.ps) <= 150 },
    { name: 'down ≤ 1.5 s', measured: seconds(down), pass: down <= 1500 },
    {
      name: 'cold up, existing volumes ≤ chain + 1 s',
      measured: `${seconds(coldE)} vs ${seconds(chainExisting.median)} + 1 s (over by ${seconds(coldE - chainExisting.median)})`,
      pass: coldE <= chainExisting.median + 1000,
    },
    {
      name: 'cold up, fresh volumes ≤ chain + 1 s',
      measured: `${seconds(coldF)} vs ${seconds(chainFresh.median)} + 1 s (over by ${seconds(coldF - chainFresh.median)})`,
      pass: coldF <= chainFresh.median + 1000,
    },
  ];
  const loadDuring = names
    .map((n) => {
      const loads = r.samples.filter((x) => x.tool === n && x.step.startsWith('cold up'));
      return `${n} ${summarize(loads.map((x) => x.load1)).median.toFixed(1)}`;
    })
    .join(', ');
  const base = [...r.baselines].map(([n, s]) => `${n} ${cell(s)}`).join(', ');
  console.log(`
notesctl local-engine benchmark — Notes stack (4 services, 3 networks, 2 volumes), one run
cold up / down: ${runs} runs each; no-op up / ps: hyperfine, ${fastRuns} runs after 1 warm-up
machine: ${cpus().length} CPUs, load average before ${fmtLoad(loadBefore)}, after ${fmtLoad(loadAfter)} (1-min load seen: ${Math.min(...r.loads.map((l) => l[0] ?? 0)).toFixed(2)}–${Math.max(...r.loads.map((l) => l[0] ?? 0)).toFixed(2)}); ${others} other containers were running
start-up floors: ${base}

${main}
median 1-min load when each tool's cold ups began: ${loadDuring}

Services' own start-to-ready (docker start → own healthcheck passes, repeated 20 ms apart inside the container by one exec; one at a time)
${serviceTable}

Targets (notesctl medians)
${targetTable(targets)}
${r.profiles.length > 0 ? `\n${r.profiles.join('\n\n')}\n` : ''}`);
}
