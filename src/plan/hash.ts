/**
 * Config hashes: sha256 over a canonical JSON rendering (object keys sorted), so the same
 * definition always gives the same hash whatever order the YAML used.
 */
import { createHash, createHmac } from 'node:crypto';
import { compareText } from '../model/order.ts';

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}

/** sha256 hex of the canonical JSON of a value. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * Digest of a service's secret values, keyed with a per-project random key so the label that
 * ends up in `docker inspect` cannot be used to guess a low-entropy secret offline.
 */
export function secretsDigest(key: Buffer, values: { name: string; value: Buffer }[]): string {
  const mac = createHmac('sha256', key);
  for (const { name, value } of [...values].sort((a, b) => compareText(a.name, b.name))) {
    mac.update(name).update('\0').update(createHash('sha256').update(value).digest()).update('\0');
  }
  return mac.digest('hex');
}
