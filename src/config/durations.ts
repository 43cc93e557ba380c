/** Durations as written in the topology (`"1m30s"`, `"500ms"`, or seconds as a number) → ms. */

const PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration the schema accepted (the DURATION pattern, or seconds ≥ 0). */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return Math.round(value * 1000);
  let total = 0;
  for (const [, amount, unit] of value.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit ?? 's'] ?? 1000);
  }
  return Math.round(total);
}
