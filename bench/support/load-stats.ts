/**
 * What the redeploy benchmark reads from the load's records: counts by outcome and latency
 * percentiles, over the whole run or over the redeploy windows only.
 */
import type { RequestRecord } from './steady-load.ts';

/** A span of the load's clock (ms): a redeploy from the command's spawn until the new release serves. */
export interface Window {
  start: number;
  end: number;
}

/** Outcomes of a set of requests. */
export interface Counts {
  requests: number;
  ok: number;
  non2xx: number;
  /** Every error, closed-idle ones included. */
  errors: number;
  /** Errors on a reused keep-alive connection closed before any response byte (retried by browsers). */
  closedIdle: number;
  /** Error codes and non-2xx statuses with their counts, most frequent first (`ECONNRESET ×3`). */
  kinds: string[];
}

/** Whether a request was due inside one of `windows`. */
export function inWindows(windows: Window[]): (r: RequestRecord) => boolean {
  return (r) => windows.some((w) => r.due >= w.start && r.due <= w.end);
}

/** Count the outcomes of `records`. */
export function countOutcomes(records: RequestRecord[]): Counts {
  const kinds = new Map<string, number>();
  const counts: Counts = { requests: 0, ok: 0, non2xx: 0, errors: 0, closedIdle: 0, kinds: [] };
  for (const r of records) {
    counts.requests++;
    if (r.status >= 200 && r.status < 300) {
      counts.ok++;
      continue;
    }
    const kind =
      r.status === 0 ? `${r.error ?? 'error'}${r.closedIdle ? ' (idle)' : ''}` : `${r.status}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    if (r.status !== 0) counts.non2xx++;
    else {
      counts.errors++;
      if (r.closedIdle) counts.closedIdle++;
    }
  }
  counts.kinds = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ×${n}`);
  return counts;
}

/** Failed requests: non-2xx and errors; `retried` leaves out the closed-idle errors a browser retries. */
export function failed(c: Counts, retried = false): number {
  return c.non2xx + c.errors - (retried ? c.closedIdle : 0);
}

/** The `p`-th percentile (nearest rank) of the latencies (due → end) of requests that got a response. */
export function latencyPercentile(records: RequestRecord[], p: number): number {
  const sorted = records
    .filter((r) => r.status !== 0)
    .map((r) => r.end - r.due)
    .sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}
