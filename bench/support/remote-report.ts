/**
 * The printed report of bench/remote.ts: figures per tool with ratios, SSH connections per
 * command, the one-line change's shipped bytes against the changed layers, the issue's targets,
 * and the load on the (shared) machine.
 */
import { cpus } from 'node:os';
import type { OneLineChange } from './one-line-change.ts';
import type { Topology } from '../../src/model/topology.ts';
import type { RemoteResults } from './remote-rounds.ts';
import { longestChain, type ServiceReady } from './service-ready.ts';
import { cell, ratio, sampleOf, seconds, table, targetTable, type Target } from './report.ts';
import { summarize, type Sample } from './timing.ts';

/** Everything printRemote needs. */
export interface RemoteReport {
  results: RemoteResults;
  change: OneLineChange;
  /** Each service's own start-to-ready on the host (existing volumes), one at a time. */
  services: Map<string, ServiceReady>;
  topology: Topology;
  /** Versions of the peers. */
  peers: string;
  profiles: string[];
  runs: number;
  fastRuns: number;
  delayMs: number;
  loadBefore: number[];
  loadAfter: number[];
}

/** Column of notesctl with its opt-in persistent SSH connection (NOTESCTL_SSH_PERSIST). */
export const PERSISTENT = 'notesctl, persistent SSH';

/** Bytes with a readable unit: `1234567 B (1.23 MB)`. */
const formatMB = (n: number) => `${Math.round(n)} B (${(n / 1e6).toFixed(2)} MB)`;

const fmtLoad = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');

/** Print the report on stdout. */
export function printRemote(report: RemoteReport): void {
  const { results: r, change } = report;
  const names = [...r.cold.keys()];
  const [ours = '', ...peers] = names;
  const cold = (k: 'healthyMs' | 'returnedMs') =>
    new Map(names.map((n) => [n, sampleOf((r.cold.get(n) ?? []).map((c) => c[k]))]));
  const down = new Map([...r.down].map(([n, t]) => [n, sampleOf(t)]));
  const rows: [string, string, Map<string, Sample>][] = [
    ['cold up, existing volumes → healthy', 'cold up', cold('healthyMs')],
    ['  (tool returned)', '', cold('returnedMs')],
    ['no-op up', 'no-op up', r.noop],
    ['ps', 'ps', r.ps],
    ['down (keep volumes)', 'down', down],
  ];
  const main = table([
    ['median (min)', ...names, ...peers.map((p) => `${ours}÷${p}`)],
    ...rows.map(([label, , m]) => [
      label,
      ...names.map((n) => cell(m.get(n))),
      ...peers.map((p) => ratio(m.get(ours), m.get(p))),
    ]),
  ]);
  const connections = (tool: string, step: string) => {
    const counts = r.connections.get(tool)?.get(step) ?? [];
    const s = summarize(counts);
    if (counts.length === 0) return '-';
    const max = Math.max(...counts);
    return s.min === max
      ? fmtCount(max)
      : `${fmtCount(s.median)} (${fmtCount(s.min)}–${fmtCount(max)})`;
  };
  const connTable = table([
    ['SSH connections per command', ...names],
    ...rows
      .filter(([, step]) => step !== '')
      .map(([label, step]) => [label, ...names.map((n) => connections(n, step))]),
  ]);
  const chain = longestChain(
    report.topology,
    new Map([...report.services].map(([s, m]) => [s, m.ms])),
  );
  const serviceTable = table([
    ['service', 'start-to-ready', 'passing probe takes'],
    ...[...report.services].map(([s, m]) => [s, seconds(m.ms), seconds(m.probeMs)]),
    [`longest chain ${chain.path.join(' → ')}`, seconds(chain.ms), ''],
  ]);
  const firstDb = chain.path[0] ?? '';
  const firstDbMs = report.services.get(firstDb)?.ms ?? NaN;
  const med = (m: Map<string, Sample>, tool = ours) => m.get(tool)?.median ?? NaN;
  const coldMs = med(cold('healthyMs'));
  const { shipped, layers } = change;
  const oursConnections = [...(r.connections.get(ours)?.values() ?? [])].flat();
  const coldPersistent = med(cold('healthyMs'), PERSISTENT);
  // The same targets for the persistent connection, when it was measured.
  const persistentTargets: Target[] = r.noop.has(PERSISTENT)
    ? [
        ['no-op up ≤ 0.6 s', med(r.noop, PERSISTENT), 600],
        ['ps ≤ 0.4 s', med(r.ps, PERSISTENT), 400],
        ['cold up (images on the host, existing volumes) ≤ 3 s', coldPersistent, 3000],
        ['down ≤ 1.5 s', med(down, PERSISTENT), 1500],
      ].map(([name, ms, limit]) => ({
        name: `${String(name)}, persistent SSH`,
        measured: seconds(Number(ms)),
        pass: Number(ms) <= Number(limit),
      }))
    : [];
  const targets: Target[] = [
    { name: 'no-op up ≤ 0.6 s', measured: seconds(med(r.noop)), pass: med(r.noop) <= 600 },
    { name: 'ps ≤ 0.4 s', measured: seconds(med(r.ps)), pass: med(r.ps) <= 400 },
    {
      name: 'cold up (images on the host, existing volumes) ≤ 3 s',
      measured: seconds(coldMs),
      pass: coldMs <= 3000,
    },
    { name: 'down ≤ 1.5 s', measured: seconds(med(down)), pass: med(down) <= 1500 },
    {
      name: 'one-line change: wire bytes ≤ 1.2 × changed layers',
      measured: `${formatMB(shipped.wireBytes)} vs 1.2 × ${formatMB(layers.bytes)} (${(shipped.wireBytes / layers.bytes).toFixed(3)}×)`,
      pass: shipped.wireBytes <= 1.2 * layers.bytes,
    },
    {
      name: 'one SSH connection per notesctl command',
      measured: `${Math.min(...oursConnections)}–${Math.max(...oursConnections)} (one-line change up: ${change.connections})`,
      pass: oursConnections.every((n) => n === 1) && change.connections === 1,
    },
    ...persistentTargets,
  ];
  const loadDuring = names
    .map((n) => {
      const loads = r.samples.filter((x) => x.tool === n && x.step === 'cold up');
      return `${n} ${summarize(loads.map((x) => x.load1)).median.toFixed(1)}`;
    })
    .join(', ');
  const loads = r.loads.map((l) => l[0] ?? 0);
  const floors = [...r.baselines].map(([n, s]) => `${n} ${cell(s)}`).join(', ');
  console.log(`
notesctl remote benchmark — Notes stack (4 services, 3 networks, 2 volumes) on a namespace test host
behind the delay proxy: ${report.delayMs} ms each way (${2 * report.delayMs} ms round trip); one stack at a time
cold up / down: ${report.runs} runs each; no-op up / ps: hyperfine, ${report.fastRuns} runs after 1 warm-up
machine: ${cpus().length} CPUs, load average before ${fmtLoad(report.loadBefore)}, after ${fmtLoad(report.loadAfter)} (1-min load seen: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)})
peers: ${report.peers}; compose talks to the host through paramiko (COMPOSE_PARAMIKO_SSH=1)
floors: ${floors}

${main}
median 1-min load when each tool's cold ups began: ${loadDuring}

${connTable}

Services' own start-to-ready on the host, existing volumes (docker start → own healthcheck passes,
repeated 20 ms apart inside the container by one exec, over the host's socket, not SSH; one at a
time, once)
${serviceTable}
notesctl's cold up minus that chain: ${seconds(coldMs - chain.ms)}; minus only the database that starts the chain (${firstDb}): ${seconds(coldMs - firstDbMs)}

One-line change to apps/notes (image rebuilt here, untimed), then \`notesctl up\`:
  up until notes answers again   ${seconds(change.ms)}, ${change.connections} SSH connection(s)
  notes image                    ${shipped.layersSent}/${shipped.layersTotal} layers sent, changed layers (measured by the bench) ${layers.changed}/${layers.total}
  changed layers (docker save)   ${formatMB(layers.bytes)} uncompressed (notesctl counted ${formatMB(shipped.layerBytesSent)})
  shipped on the wire (gzip)     ${formatMB(shipped.wireBytes)} = ${(shipped.wireBytes / layers.bytes).toFixed(3)} × the changed layers
  everything sent to the host    ${formatMB(change.proxyBytes)} (SSH framing, API calls and the image stream)

Targets (issue 6, notesctl medians)
${targetTable(targets)}
${report.profiles.length > 0 ? `\n${report.profiles.join('\n\n')}\n` : ''}`);
}

function fmtCount(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
