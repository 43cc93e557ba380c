/**
 * The redeploy benchmark's report: every request counted per tool (with notesctl's ratio to each
 * peer), latency in and out of the redeploy windows, notesctl's "healthy → traffic moved" from
 * its own progress lines, the proxy's cost on `GET /`, the targets, and the machine's load.
 */
import { cpus } from 'node:os';
import { countOutcomes, failed, inWindows, latencyPercentile, type Counts } from './load-stats.ts';
import type { CostSample, ProxyCost } from './proxy-cost.ts';
import type { PhaseResult } from './redeploy-phase.ts';
import { cell, seconds, table, targetTable, type Target } from './report.ts';
import { summarize, type Sample } from './timing.ts';

/** Everything the report needs. */
export interface RedeployRun {
  phases: PhaseResult[];
  cost: ProxyCost;
  rate: number;
  quietSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
  others: number;
  commit: string;
}

/** A `✓` line of notesctl's plain progress output: its clock (ms of the day), text and duration. */
interface Step {
  at: number;
  text: string;
  ms: number;
}

/** The `✓ …` lines of `up`'s plain output (`HH:MM:SS.mmm ✓ text (N ms)`). */
export function doneSteps(output: string): Step[] {
  return [...output.matchAll(/^(\d\d):(\d\d):(\d\d)\.(\d{3}) ✓ (.*) \((\d+) ms\)$/gm)].map((m) => ({
    at: ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]),
    text: m[5] ?? '',
    ms: Number(m[6]),
  }));
}

/** notesctl's own account of one redeploy: new release healthy → routes switched, and its steps. */
export function switchTiming(output: string): { healthyToMoved: number; steps: Step[] } {
  const steps = doneSteps(output);
  const healthy = steps.find((s) => s.text.startsWith('wait until the edge proxy gets 2xx'));
  const moved = steps.find((s) => s.text.startsWith("switch the edge proxy's routes"));
  if (!healthy || !moved) return { healthyToMoved: NaN, steps };
  const day = 86_400_000;
  return { healthyToMoved: (moved.at - healthy.at + day) % day, steps };
}

const times = (n: number) => `${n} time${n === 1 ? '' : 's'}`;
const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : '-');
const num = (v: number) => v.toLocaleString('en-US');

function failedCell(c: Counts): string {
  return `${num(failed(c))} (${num(failed(c, true))})`;
}

/** notesctl's figure ÷ a peer's, or "–" when the peer's is 0. */
function over(ours: number, theirs: number): string {
  const r = ours / theirs;
  if (theirs === 0 || !Number.isFinite(r)) return '–';
  return `${r > 0 && r < 0.1 ? r.toPrecision(2) : r.toFixed(2)}×`;
}

function figures(p: PhaseResult) {
  const windowed = p.records.filter(inWindows(p.redeploys));
  const quiet = p.records.filter((r) => !inWindows(p.redeploys)(r));
  const span = (p.records.at(-1)?.due ?? 0) / 1000;
  return {
    all: countOutcomes(p.records),
    windowed: countOutcomes(windowed),
    perRedeploy: p.redeploys.map((w) => failed(countOutcomes(windowed.filter(inWindows([w]))))),
    rate: p.records.length / span,
    p99In: latencyPercentile(windowed, 99),
    maxIn: latencyPercentile(windowed, 100),
    p99Out: latencyPercentile(quiet, 99),
    command: summarize(p.redeploys.map((w) => w.commandEnd - w.start)),
    window: summarize(p.redeploys.map((w) => w.end - w.start)),
  };
}

/** The proxy's cost: req/s each way, the ratio, and the CPU time per request behind it. */
function costSection(cost: ProxyCost): { text: string; ratio: number } {
  const med = (list: CostSample[], pick: (s: CostSample) => number) =>
    summarize(list.map(pick)).median;
  const direct = summarize(cost.direct.map((s) => s.rps));
  const proxied = summarize(cost.proxied.map((s) => s.rps));
  const ratio = proxied.median / direct.median;
  const line = (label: string, list: CostSample[], rps: Sample) => [
    `${label}: ${list[0]?.url ?? ''}`,
    `${rps.median.toFixed(0)} (${rps.min.toFixed(0)})`,
    `${med(list, (s) => s.p99Ms).toFixed(1)} ms`,
    `${med(list, (s) => s.notesCpuUs).toFixed(0)} µs`,
    `${med(list, (s) => s.proxyCpuUs).toFixed(0)} µs`,
  ];
  const first = cost.direct[0];
  const text = `Proxy cost on GET / (${first?.connections ?? 0} keep-alive clients, ${first?.seconds ?? 0} s per sample, ${cost.direct.length} samples each way, alternating; the client runs in a container on the project's edge network)
${table([
  ['', 'req/s median (min)', 'p99 latency', 'CPU/request: notes', 'proxy'],
  line('direct', cost.direct, direct),
  line('through the proxy', cost.proxied, proxied),
  ['through ÷ direct', ratio.toFixed(2)],
])}
where CPU is what limits (this machine), the servers' CPU per request bounds the ratio: notes' direct ÷ (notes' + the proxy's) through = ${(
    med(cost.direct, (s) => s.notesCpuUs) / med(cost.proxied, (s) => s.notesCpuUs + s.proxyCpuUs)
  ).toFixed(2)} (the client's share left out)`;
  return { text, ratio };
}

/** Render the report. */
export function redeployReport(run: RedeployRun): string {
  const f = run.phases.map(figures);
  const names = run.phases.map((p) => p.tool);
  const [ours, ...peers] = f;
  if (!ours) return 'no figures';
  type F = (typeof f)[number];
  const row = (label: string, value: (x: F) => string, ratio?: (x: F) => number) => [
    label,
    ...f.map(value),
    ...peers.map((p) => (ratio ? over(ratio(ours), ratio(p)) : '')),
  ];
  // A figure with notesctl's ratio to each peer: `pick` gives the number, `show` the cell.
  const rated = (label: string, pick: (x: F) => number, show: (x: F) => string) =>
    row(label, show, pick);
  const main = table([
    ['per tool', ...names, ...names.slice(1).map((n) => `notesctl÷${n}`)],
    row('requests (achieved req/s)', (x) => `${num(x.all.requests)} (${x.rate.toFixed(0)})`),
    row('2xx', (x) => num(x.all.ok)),
    row('non-2xx', (x) => num(x.all.non2xx)),
    row('errors', (x) => num(x.all.errors)),
    row('  of which on a closed idle keep-alive', (x) => num(x.all.closedIdle)),
    rated(
      'failed: non-2xx + errors (w/o closed idle)',
      (x) => failed(x.all),
      (x) => failedCell(x.all),
    ),
    rated(
      '  in redeploy windows',
      (x) => failed(x.windowed),
      (x) => failedCell(x.windowed),
    ),
    row('  each redeploy', (x) => x.perRedeploy.join(' ')),
    rated(
      'p99 latency in redeploy windows',
      (x) => x.p99In,
      (x) => ms(x.p99In),
    ),
    rated(
      'max latency in redeploy windows',
      (x) => x.maxIn,
      (x) => ms(x.maxIn),
    ),
    rated(
      'p99 latency outside them',
      (x) => x.p99Out,
      (x) => ms(x.p99Out),
    ),
    rated(
      'redeploy command',
      (x) => x.command.median,
      (x) => cell(x.command),
    ),
    row('  each redeploy (s)', (x) => x.command.times.map((t) => (t / 1000).toFixed(2)).join(' ')),
    rated(
      'window: spawn → new release serves',
      (x) => x.window.median,
      (x) => cell(x.window),
    ),
  ]);
  const kinds = f.map((x, i) => `${names[i]}: ${x.all.kinds.join(', ') || 'none'}`).join('\n');

  const notesctl = run.phases[0];
  const timings = (notesctl?.redeploys ?? []).map((r) => switchTiming(r.output));
  const moved = timings.map((t) => t.healthyToMoved);
  const step = (label: string, prefix: string) => {
    const each = timings.map((t) =>
      t.steps.filter((s) => s.text.startsWith(prefix)).reduce((sum, s) => sum + s.ms, 0),
    );
    return [label, cell(summarize(each)), each.join(' ')];
  };
  const stepTable = table([
    ["notesctl up's steps (its own clock)", 'median (min)', 'each redeploy (ms)'],
    step('start the new release', 'start notes'),
    step('wait until it is healthy', 'wait until notes is healthy'),
    step('wait until the proxy gets 2xx from it', 'wait until the edge proxy gets 2xx'),
    step("switch the proxy's routes (one reload)", "switch the edge proxy's routes"),
    step('drain the old release', 'drain'),
    step('stop the old release', 'stop container'),
  ]);

  const slowest = [...(notesctl?.redeploys ?? [])].sort(
    (a, b) => b.commandEnd - b.start - (a.commandEnd - a.start),
  )[0];
  const slowestText = slowest
    ? `notesctl's slowest redeploy (${seconds(slowest.commandEnd - slowest.start)}), as \`up\` printed it:\n${slowest.output.trimEnd().replace(/^/gm, '  ')}`
    : '';
  const cost = costSection(run.cost);
  const worstMove = Math.max(...moved);
  const targets: Target[] = [
    {
      name: 'failed or non-2xx requests (notesctl) = 0',
      measured: `${failed(ours.all)} strictly; ${failed(ours.all, true)} if closed-idle errors are retried`,
      pass: failed(ours.all) === 0,
    },
    {
      name: 'new release healthy → traffic moved ≤ 1 s (every redeploy)',
      measured: `${moved.map((m) => ms(m)).join(', ')} (worst ${ms(worstMove)})`,
      pass: worstMove <= 1000,
    },
    {
      name: 'proxy cost on GET /: req/s through it ÷ direct ≥ 0.85',
      measured: cost.ratio.toFixed(2),
      pass: cost.ratio >= 0.85,
    },
  ];
  const fmt = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
  const phaseLoads = run.phases
    .map((p) => `${p.tool} ${p.load1[0].toFixed(1)}→${p.load1[1].toFixed(1)}`)
    .join(', ');
  return `
notesctl redeploy benchmark (issue 19) — Notes stack, notes redeployed ${times(notesctl?.redeploys.length ?? 0)} per tool under a steady load, one run
commit ${run.commit}
load: open loop, ${run.rate} req/s on a fixed schedule (half GET /, half GET ${notesctl?.paths[1] ?? ''}), keep-alive, loopback, to each tool's published port; ${run.quietSeconds} s of quiet load before the first redeploy and after each; latency from the time a request was due; a request without a complete answer in 10 s is an error
machine: ${cpus().length} CPUs, load average before ${fmt(run.loadBefore)}, after ${fmt(run.loadAfter)}; 1-min load at each tool's load start→end: ${phaseLoads}; ${run.others} other containers were running at the start

${main}
failed counts closed-idle errors (a reused keep-alive connection closed before any response byte); in brackets without them, as a browser that retries them would see it
what failed: ${kinds}

new release healthy → traffic moved (notesctl's "✓ wait until the edge proxy gets 2xx" → "✓ switch the edge proxy's routes" lines): ${moved.map((m) => ms(m)).join(', ')}
${stepTable}
${slowestText}

${cost.text}

Targets (issue 19)
${targetTable(targets)}
`;
}
