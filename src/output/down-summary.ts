/**
 * What `down` says for each host: what it removed, and the volumes (data) it kept.
 */
import type { Terminal } from './terminal.ts';

/** One host's line. */
export function summarizeDown(
  terminal: Terminal,
  where: { project: string; host: string },
  found: { containers: number; networks: number; volumes: number },
  volumes: boolean,
): void {
  const kept = volumes ? 0 : found.volumes;
  terminal.info(
    `${where.project} on ${where.host}: removed ${found.containers} container(s), ${found.networks} network(s)${volumes ? `, ${found.volumes} volume(s)` : ''}${kept > 0 ? `; kept ${kept} volume(s) (use --volumes to delete data)` : ''}`,
  );
}
