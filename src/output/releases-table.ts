/**
 * The rows `notesctl releases` prints: newest first, the current release marked.
 */
import type { Release } from '../releases/history.ts';

/** The table's columns. */
export const RELEASE_COLUMNS = ['host', 'release', 'time', 'operator', 'version', 'changed'];

/** A short image ID, as `docker images` shows it. */
export function shortImage(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** One row per release (those that changed `service`, when given), newest first. */
export function releaseRows(
  host: string,
  releases: Release[],
  service: string | undefined,
): Record<string, string>[] {
  const current = releases.at(-1)?.id;
  return [...releases]
    .reverse()
    .filter((r) => service === undefined || r.changed.includes(service))
    .map((r) => ({
      host,
      release: `${r.id}${r.id === current ? ' (current)' : ''}`,
      time: r.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      operator: r.operator,
      version: r.version,
      changed: [
        ...r.changed.map((s) => `${s} ${shortImage(r.services[s]?.image ?? '')}`),
        ...(r.rollbackOf === undefined ? [] : [`(rollback to ${r.rollbackOf})`]),
      ].join(', '),
    }));
}
