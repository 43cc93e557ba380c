/**
 * The printed report of bench/swarm.ts: first deploys 1 vs 3 nodes with where their time went,
 * no-op `up` at a WAN round trip, the docker CLI's `docker stack deploy` beside notesctl, the
 * bytes of a one-line change, and the issue's targets. Whatever was measured is printed, also
 * when a later step failed.
 */
import { cpus } from 'node:os';
import type { ChangedLayers } from './layer-sizes.ts';
import { formatCpu } from './cpu-meter.ts';
import { table, targetTable, type Target } from './report.ts';
import type { ShipResult } from '../../src/ship/ship.ts';
import { operations, shippedTotals, shippingByNode, type UpSummary } from './swarm-phases.ts';
import type { TimedRun } from './swarm-run.ts';
import { summarize } from './timing.ts';

/** A first deploy: the run, and the time from its return until the cluster had settled. */
export interface Deploy {
  run: TimedRun;
  settleMs: number;
}

/** Everything the bench measured. */
export interface SwarmFigures {
  commit: string;
  peerVersion: string;
  delayMs: number;
  runs: number;
  loadBefore: number[];
  loadAfter: number[];
  clusterUp: { one?: number; three?: number };
  first: { one?: Deploy; three?: Deploy };
  sshTrue: number[];
  noop: { ms: number; connections: number; sent: number; received: number; changes: number }[];
  noopDirect: number[];
  change: {
    run: TimedRun;
    wire: { connections: number; sent: number; received: number };
    shipped: ReturnType<typeof shippedTotals>;
    perNode: ShipResult[];
    layers: ChangedLayers;
  };
  warm: Deploy;
  peer: {
    first: TimedRun;
    firstWire: { connections: number; sent: number; received: number };
    firstSettleMs: number;
    noop: { ms: number; servicesUpdated: number; services: number; newTasks: number }[];
  };
  stackFile: string;
  error: string;
}

const s = (ms: number | undefined) =>
  ms === undefined ? '-' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)} MB`;
const x = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}×`;
const med = (xs: number[]) => (xs.length === 0 ? undefined : summarize(xs).median);
const range = (xs: number[]) =>
  xs.length === 0 ? '-' : `${s(med(xs))} (${s(Math.min(...xs))}–${s(Math.max(...xs))})`;

/** Every operation of a run, one line each: start → end (s since the spawn), text. */
function timeline(run: TimedRun): string[] {
  return operations(run).map(
    (o) =>
      `     ${(o.start / 1000).toFixed(2).padStart(7)} → ${(o.end / 1000).toFixed(2).padStart(7)}  ${o.failed ? '✗ ' : ''}${o.text}`,
  );
}

function firstDeploys(f: Partial<SwarmFigures>): string[] {
  const { one, three } = f.first ?? {};
  if (!one && !three) return [];
  const settled = (d?: Deploy) => (d ? d.run.ms + d.settleMs : undefined);
  const shipped = (d?: Deploy) => {
    if (!d) return '-';
    const t = shippedTotals((JSON.parse(d.run.stdout) as UpSummary[]).flatMap((u) => u.shipped));
    return `${mb(t.wire)} (${t.layersSent}/${t.layersTotal} layers, ${mb(t.layerBytes)} uncompressed)`;
  };
  const lines = [
    '1. First deploy of the Notes stack: `notesctl up` right after `cluster up` (not timed), SSH straight to the hosts (no added delay).',
    "   The operator's images were built on this machine's engine before (`notesctl build`, not timed); each node is a fresh engine",
    '   holding no image, so every node gets notes, userauth, mariadb:10.11 and caddy:2 shipped (missing layers, gzip on the wire).',
    table([
      ['', '1 node', '3 nodes', '3÷1'],
      ['up returned (healthy)', s(one?.run.ms), s(three?.run.ms), x(three?.run.ms, one?.run.ms)],
      [
        '→ every task running, /health 200 on every node',
        s(settled(one)),
        s(settled(three)),
        x(settled(three), settled(one)),
      ],
      ['shipped (wire)', shipped(one), shipped(three), ''],
      ['cluster up before it (not in the figure)', s(f.clusterUp?.one), s(f.clusterUp?.three), ''],
    ]),
    `   CPU, 1 node:  ${one ? formatCpu(one.run.cpu, { command: 'notesctl' }) : '-'}`,
    `   CPU, 3 nodes: ${three ? formatCpu(three.run.cpu, { command: 'notesctl' }) : '-'}`,
  ];
  for (const [label, d] of [
    ['1 node', one],
    ['3 nodes', three],
  ] as const) {
    if (!d) continue;
    const ops = operations(d.run);
    const ships = shippingByNode(ops);
    const lastShip = Math.max(0, ...ships.map((n) => n.lastEnd));
    lines.push(
      `   where the time went, ${label}: images on every node after ${s(lastShip)}, services after that ${s(d.run.ms - lastShip)}`,
      ...ships.map(
        (n) =>
          `     ${n.node}: ${n.images} images shipped one after another, ${s(n.firstStart)} → ${s(n.lastEnd)} (shipping ${s(n.busyMs)})`,
      ),
      `   ${label}, every operation (start → end, seconds since spawn):`,
      ...timeline(d.run),
    );
  }
  return lines;
}

function noopSection(f: Partial<SwarmFigures>): string[] {
  if (!f.noop?.length) return [];
  const ms = f.noop.map((n) => n.ms);
  return [
    `2. No-op \`up\` on the 3-node cluster, every SSH connection through a delay proxy (${f.delayMs} ms each way = ${(f.delayMs ?? 0) * 2} ms RTT), ${ms.length} runs after one warm-up:`,
    `   median ${s(med(ms))} (min ${s(Math.min(...ms))}, max ${s(Math.max(...ms))}); each: ${ms.map((m) => (m / 1000).toFixed(2)).join(' ')} s`,
    `   per run: ${f.noop.map((n) => `${n.connections} SSH connections, ${(n.sent / 1024).toFixed(0)} KiB sent / ${(n.received / 1024).toFixed(0)} KiB received, ${n.changes} changes`).join('; ')}`,
    `   floor: one OpenSSH login through the same proxy (\`ssh … true\`): ${range(f.sshTrue ?? [])}`,
    `   the same no-op up with no added delay: ${range(f.noopDirect ?? [])}`,
  ];
}

function peerSection(f: Partial<SwarmFigures>): string[] {
  if (!f.warm && !f.peer) return [];
  const w = f.warm;
  const p = f.peer;
  const peerNoop = p?.noop.map((n) => n.ms) ?? [];
  const ourNoop = f.noop?.map((n) => n.ms) ?? [];
  return [
    `3. Beside the docker CLI ${f.peerVersion ?? ''}: \`docker stack deploy --resolve-image never\` over DOCKER_HOST=ssh://root@<first manager>,`,
    `   through the same delay proxy (${(f.delayMs ?? 0) * 2} ms RTT), with ${f.stackFile ? 'an equivalent stack file (bench/support/stack-file.ts)' : 'a stack file'}: the same images by tag,`,
    "   already on the nodes (notesctl shipped them), fresh volumes. notesctl's figure here is a first `up` after `down --volumes`, images present.",
    table([
      ['', 'notesctl', 'docker stack deploy', 'notesctl÷peer'],
      ['first deploy: command returned', s(w?.run.ms), s(p?.first.ms), x(w?.run.ms, p?.first.ms)],
      [
        '  → every task running (healthy), /health 200 on every node',
        s(w ? w.run.ms + w.settleMs : undefined),
        s(p ? p.first.ms + p.firstSettleMs : undefined),
        x(w ? w.run.ms + w.settleMs : undefined, p ? p.first.ms + p.firstSettleMs : undefined),
      ],
      [
        'no-op re-deploy, median (min–max)',
        range(ourNoop),
        range(peerNoop),
        x(med(ourNoop), med(peerNoop)),
      ],
      [
        '  services updated by the no-op / tasks started',
        `${f.noop?.reduce((a, n) => a + n.changes, 0) ?? '-'} changes`,
        p
          ? `services updated per run: ${p.noop.map((n) => `${n.servicesUpdated}/${n.services}`).join(', ')}; new tasks: ${p.noop.map((n) => n.newTasks).join(', ')}`
          : '-',
        '',
      ],
    ]),
    "   notesctl's first deploy with the images present, its operations (start → end, seconds since spawn):",
    ...(w ? timeline(w.run) : []),
    `   docker stack deploy does not wait: it returns once the services are created (docker CLI 20.10 has no --detach=false for stacks).`,
  ];
}

function changeSection(f: Partial<SwarmFigures>): string[] {
  const c = f.change;
  if (!c) return [];
  const perNode = c.perNode
    .map((n) => `${n.layersSent}/${n.layersTotal} layers ${(n.wireBytes / 1024).toFixed(0)} KiB`)
    .join(', ');
  return [
    `4. One-line change of apps/notes (a comment appended to src/server.ts in the bench's copy), rebuilt here (not timed), then \`up\` through the proxies:`,
    `   up took ${s(c.run.ms)}; notes shipped to ${c.perNode.length} nodes: ${perNode}`,
    `   changed layers (measured by the bench from docker save): ${c.layers.changed}/${c.layers.total} layers, ${mb(c.layers.bytes)} uncompressed`,
    `   notesctl's image streams to the 3 nodes: ${mb(c.shipped.wire)} = ${x(c.shipped.wire, c.layers.bytes)} the changed layers`,
    `   everything the 3 SSH connections carried to the nodes (API calls, image streams, SSH framing): ${mb(c.wire.sent)} = ${x(c.wire.sent, c.layers.bytes)}`,
    '   its operations (start → end, seconds since spawn):',
    ...timeline(c.run),
  ];
}

function targets(f: Partial<SwarmFigures>): Target[] {
  const list: Target[] = [];
  const { one, three } = f.first ?? {};
  if (one && three)
    list.push({
      name: '3-node first deploy ≤ 1.3 × 1-node',
      measured: `${s(three.run.ms)} ÷ ${s(one.run.ms)} = ${x(three.run.ms, one.run.ms)}`,
      pass: three.run.ms <= 1.3 * one.run.ms,
    });
  const noop = med(f.noop?.map((n) => n.ms) ?? []);
  if (noop !== undefined)
    list.push({
      name: `no-op up ≤ 1 s at ${(f.delayMs ?? 0) * 2} ms RTT`,
      measured: s(noop),
      pass: noop <= 1000,
    });
  if (f.change)
    list.push({
      name: 'bytes shipped to 3 nodes ≤ 3.6 × changed layers',
      measured: `${mb(f.change.shipped.wire)} ÷ ${mb(f.change.layers.bytes)} = ${x(f.change.shipped.wire, f.change.layers.bytes)} (all SSH bytes: ${x(f.change.wire.sent, f.change.layers.bytes)})`,
      pass: f.change.shipped.wire <= 3.6 * f.change.layers.bytes,
    });
  return list;
}

/** The whole report. */
export function swarmReport(f: Partial<SwarmFigures>): string {
  const load = (l?: number[]) => (l ? l.map((v) => v.toFixed(2)).join(' ') : '-');
  return [
    'notesctl swarm benchmark (issue 20) — the Notes stack (notes × 3, userauth, 2 × MariaDB, Caddy edge proxy in global mode) on namespace test hosts, one run',
    `commit ${f.commit ?? '-'}; overlays unencrypted (no ESP in this kernel), dnsrr endpoints, host-mode ports (no IPVS)`,
    `machine: ${cpus().length} CPUs, load average before ${load(f.loadBefore)}, after ${load(f.loadAfter)}`,
    '',
    ...firstDeploys(f),
    '',
    ...noopSection(f),
    '',
    ...peerSection(f),
    '',
    ...changeSection(f),
    '',
    'Targets (issue 20)',
    targetTable(targets(f)),
    ...(f.error ? ['', `NOT COMPLETE — the run stopped with: ${f.error}`] : []),
  ].join('\n');
}
