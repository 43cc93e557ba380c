/**
 * `--since` values: a duration back from now (`90s`, `10m`, `2h`, `1d`) or a timestamp.
 */
import { UsageError } from '../../errors.ts';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Unix seconds for a --since value. */
export function parseSince(value: string, nowMs: number): number {
  const duration = /^(\d+)(s|m|h|d)$/.exec(value);
  if (duration)
    return Math.floor(nowMs / 1000) - Number(duration[1]) * (UNITS[duration[2] ?? 's'] ?? 1);
  if (/^\d+$/.test(value)) return Number(value);
  const time = Date.parse(value);
  if (!Number.isNaN(time)) return Math.floor(time / 1000);
  throw new UsageError(
    `--since: expected a duration like 10m or 2h, or a timestamp like 2026-11-25T10:00:00Z, got "${value}"`,
  );
}
