/**
 * Reading notesctl's runs for bench/swarm.ts: the JSON summary of `up --json`, the shipped
 * images per node, and where a first deploy's time went (its operations, timed by its events).
 */
import type { ShipResult } from '../../src/ship/ship.ts';
import type { TimedEvent, TimedRun } from './swarm-run.ts';

/** One host's part of `up --json`'s summary. */
export interface UpSummary {
  host: string;
  changes: number;
  shipped: ShipResult[];
  images: { service: string; action: string; ref: string }[];
}

/** The summary `up --json` printed on stdout. */
export function upSummary(run: TimedRun): UpSummary[] {
  return JSON.parse(run.stdout) as UpSummary[];
}

/** One finished operation: when it started and ended (ms since the spawn), and its text. */
export interface Operation {
  start: number;
  end: number;
  text: string;
  failed: boolean;
}

/** The operations a run reported, in order of start. */
export function operations(run: TimedRun): Operation[] {
  return run.events
    .filter((e): e is TimedEvent & { text: string } => e.text !== undefined)
    .flatMap((e) =>
      e.type === 'op-done'
        ? [{ start: e.at - (e.ms ?? 0), end: e.at, text: e.text, failed: false }]
        : e.type === 'op-failed'
          ? [{ start: e.at, end: e.at, text: `${e.text}: ${e.error ?? ''}`, failed: true }]
          : [],
    )
    .sort((a, b) => a.start - b.start);
}

/** Per node: images shipped, the window from the first ship's start to the last one's end, bytes. */
export interface NodeShipping {
  node: string;
  images: number;
  firstStart: number;
  lastEnd: number;
  /** Sum of the ships' own durations (they run one after another per node). */
  busyMs: number;
}

/** The ship operations grouped by target node (`ship image REF to NODE: …`). */
export function shippingByNode(ops: Operation[]): NodeShipping[] {
  const byNode = new Map<string, NodeShipping>();
  for (const op of ops) {
    const match = /^ship image \S+ to (\S+?):/.exec(op.text);
    if (!match?.[1]) continue;
    const node = match[1];
    const entry = byNode.get(node) ?? {
      node,
      images: 0,
      firstStart: Infinity,
      lastEnd: 0,
      busyMs: 0,
    };
    entry.images += 1;
    entry.firstStart = Math.min(entry.firstStart, op.start);
    entry.lastEnd = Math.max(entry.lastEnd, op.end);
    entry.busyMs += op.end - op.start;
    byNode.set(node, entry);
  }
  return [...byNode.values()].sort((a, b) => (a.node < b.node ? -1 : 1));
}

/** Total of a list of ShipResults: wire bytes, uncompressed layer bytes, layers sent/total. */
export function shippedTotals(shipped: ShipResult[]) {
  return shipped.reduce(
    (t, s) => ({
      wire: t.wire + s.wireBytes,
      layerBytes: t.layerBytes + s.layerBytesSent,
      layersSent: t.layersSent + s.layersSent,
      layersTotal: t.layersTotal + s.layersTotal,
    }),
    { wire: 0, layerBytes: 0, layersSent: 0, layersTotal: 0 },
  );
}
