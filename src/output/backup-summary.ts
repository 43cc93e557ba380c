/**
 * What `backup` prints on stdout: one row per file written (or, with --json, the manifests with
 * their paths), then the older backups --keep deleted; and what `restore` says it put back.
 */
import { formatBytes } from './bytes.ts';
import { formatTable } from './table.ts';
import type { Terminal } from './terminal.ts';

/** A backup written: where, and its manifest's figures. */
export interface WrittenBackup {
  path: string;
  manifest: {
    kind: string;
    host: string;
    item: string;
    bytes: number;
    contentBytes: number;
    seconds: number;
    held?: { services: string[]; how: string };
  };
}

/** The table (or JSON) of the files written, and the pruned ones on stderr. */
export function summarizeBackup(
  terminal: Terminal,
  written: WrittenBackup[],
  pruned: string[],
): void {
  if (terminal.options.json) {
    terminal.json({ backups: written.map((w) => ({ path: w.path, ...w.manifest })), pruned });
    return;
  }
  const rows = written.map(({ path, manifest: m }) => ({
    item: m.item,
    host: m.host,
    kind: m.kind === 'mariadb-dump' ? 'dump' : 'volume',
    size: formatBytes(m.bytes),
    content: formatBytes(m.contentBytes),
    time: `${m.seconds.toFixed(1)} s`,
    file: path,
  }));
  terminal.data(formatTable(rows, ['item', 'host', 'kind', 'size', 'content', 'time', 'file']));
  for (const { manifest: m } of written) {
    if (m.held) {
      const who = m.held.services.length > 0 ? `${m.held.services.join(', ')} ` : '';
      terminal.info(`volume ${m.item}: ${who}${m.held.how}`);
    }
  }
  for (const file of pruned) terminal.info(`deleted older backup ${file} (--keep)`);
}

/** What one restore put back. */
export function summarizeRestore(
  terminal: Terminal,
  result: { service: string; database: string; tables: Record<string, number>; ms: number },
  file: string,
): void {
  if (terminal.options.json) {
    terminal.json({ ...result, file });
    return;
  }
  const tables = Object.entries(result.tables);
  const rows = tables.reduce((sum, [, n]) => sum + n, 0);
  terminal.data(
    `restored ${result.service} (database ${result.database}) from ${file}: ${tables.length} table(s), ${rows} row(s) in ${(result.ms / 1000).toFixed(1)} s`,
  );
  terminal.data(
    formatTable(
      tables.map(([table, n]) => ({ table, rows: String(n) })),
      ['table', 'rows'],
    ),
  );
}

/** What one volume restore put back. */
export function summarizeVolumeRestore(
  terminal: Terminal,
  result: {
    volume: string;
    host: string;
    restarted: string[];
    files: number;
    folders: number;
    others: number;
    bytes: number;
    ms: number;
  },
  file: string,
): void {
  if (terminal.options.json) {
    terminal.json({ ...result, file });
    return;
  }
  const restarted =
    result.restarted.length > 0
      ? `; ${result.restarted.join(', ')} stopped, started again and healthy`
      : '';
  terminal.data(
    `restored volume ${result.volume} on ${result.host} from ${file}: ${result.files} file(s) (${formatBytes(result.bytes)}), ${result.folders} folder(s), ${result.others} link(s)/other in ${(result.ms / 1000).toFixed(1)} s${restarted}`,
  );
}
