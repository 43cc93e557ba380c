/**
 * Bytes moving between a host and a local file, with progress (issue 23): a counter that emits
 * the running total and rate, once a second live and every ten seconds as a line for logs.
 */
import { Transform } from 'node:stream';
import type { EventSink } from '../apply/events.ts';
import { formatBytes } from '../output/bytes.ts';

/** Live progress every second; a persisted line every ten (CI logs of long backups). */
const LIVE_MS = 1_000;
const NOTE_MS = 10_000;

/** `bytes` over `ms` as MiB/s. */
export function rateText(bytes: number, ms: number): string {
  return `${(bytes / 1024 / 1024 / Math.max(ms / 1000, 0.001)).toFixed(1)} MiB/s`;
}

/** A pass-through stream counting what crosses it, reporting `label: N MiB <verb>, R MiB/s`. */
export function progressCounter(
  onEvent: EventSink,
  id: string,
  label: string,
  verb: string,
): { stream: Transform; bytes: () => number } {
  // The rate runs from the first byte: a restore stops services before the tar flows.
  let started = Date.now();
  let bytes = 0;
  let lastLive = started;
  let lastNote = started;
  const text = () =>
    `${label}: ${formatBytes(bytes)} ${verb}, ${rateText(bytes, Date.now() - started)}`;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      const now = Date.now();
      if (bytes === 0) [started, lastLive, lastNote] = [now, now, now];
      bytes += chunk.length;
      if (now - lastLive >= LIVE_MS) {
        lastLive = now;
        onEvent({ type: 'op-progress', id, text: text() });
      }
      if (now - lastNote >= NOTE_MS) {
        lastNote = now;
        onEvent({ type: 'note', text: `  ${text()}` });
      }
      callback(null, chunk);
    },
  });
  return { stream, bytes: () => bytes };
}
