/**
 * Restoring a database dump through a host's target (issue 23). The file has been checked
 * against its manifest before this runs (files.ts): here the service must pass its health
 * check, the dump is streamed through the target into the service's database server
 * (Target.restoreDatabase), the service must pass its check again, and the tables are counted.
 */
import { createReadStream } from 'node:fs';
import type { EventSink } from '../apply/events.ts';
import type { Target } from '../targets/target.ts';
import { countRowsSql, listTablesSql, type DatabaseLogin } from './mariadb.ts';
import { progressCounter, rateText } from './transfer.ts';

/** What a restore put back: rows per table. */
export interface RestoreResult {
  service: string;
  database: string;
  tables: Record<string, number>;
  ms: number;
}

/** What a restore needs besides the target. */
export interface RestoreRun {
  login: DatabaseLogin;
  file: string;
  onEvent: EventSink;
  signal: AbortSignal;
}

/** Rows of every base table of the login's database. */
export async function countTables(
  target: Target,
  login: DatabaseLogin,
): Promise<Record<string, number>> {
  const tables = (await target.queryDatabase(login, listTablesSql(login.database)))
    .split('\n')
    .filter((t) => t !== '');
  const counts = await target.queryDatabase(login, countRowsSql(login.database, tables));
  return Object.fromEntries(
    counts
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [table = '', rows = '0'] = line.split('\t');
        return [table, Number(rows)];
      }),
  );
}

/** Restore `run.file` (checked already) into the service's database on `target`. */
export async function restoreDump(target: Target, run: RestoreRun): Promise<RestoreResult> {
  const { login, onEvent, signal } = run;
  const { service } = login;
  const started = Date.now();
  const healthy = async (when: string) => {
    const id = `health:${service}:${when}`;
    const text = `wait until ${service} is healthy (${when})`;
    const t0 = Date.now();
    onEvent({ type: 'op-start', id, service, text });
    await target.waitHealthy(service, {
      signal,
      onProgress: (progress) => onEvent({ type: 'op-progress', id, text: progress }),
    });
    onEvent({ type: 'op-done', id, text, ms: Date.now() - t0 });
  };
  await healthy('before');
  const id = `restore:${service}`;
  const text = `restore ${service} (database ${login.database}) on ${target.host} from ${run.file}`;
  onEvent({ type: 'op-start', id, service, text });
  const t0 = Date.now();
  const counter = progressCounter(onEvent, id, service, 'sent');
  let compressed: boolean;
  try {
    ({ compressed } = await target.restoreDatabase(
      login,
      createReadStream(run.file).pipe(counter.stream),
      { signal },
    ));
  } catch (error) {
    onEvent({ type: 'op-failed', id, text, error: (error as Error).message });
    throw error;
  }
  const ms = Date.now() - t0;
  onEvent({
    type: 'op-done',
    id,
    text: `${text} (${rateText(counter.bytes(), ms)} ${compressed ? 'compressed' : 'plain'} over the link)`,
    ms,
  });
  await healthy('after');
  const tables = await countTables(target, login);
  return { service, database: login.database, tables, ms: Date.now() - started };
}
