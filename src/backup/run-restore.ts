/**
 * Restoring a database dump through a host's target (issue 23). The file has been checked
 * against its manifest before this runs (files.ts): here the service must pass its health
 * check, the dump is streamed into the service's own client (decompressed in the container when
 * it has gzip), the service must pass its check again, and the tables are counted.
 */
import { createReadStream } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { EventSink } from '../apply/events.ts';
import { RuntimeError } from '../errors.ts';
import type { Target } from '../targets/target.ts';
import {
  clientArgv,
  countRowsSql,
  HAS_GZIP_ARGV,
  listTablesSql,
  type DatabaseLogin,
} from './mariadb.ts';
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

/** A writable keeping what it is given (as text, up to `limit` characters from the end). */
function collector(limit = 1_000_000): { stream: Writable; text: () => string } {
  let kept = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      kept = (kept + chunk.toString()).slice(-limit);
      callback();
    },
  });
  return { stream, text: () => kept };
}

/** Run `sql` with the service's client (batch mode, no headers); its output. */
async function query(target: Target, login: DatabaseLogin, sql: string): Promise<string> {
  const out = collector();
  const err = collector(1500);
  const code = await target.exec(login.service, {
    cmd: clientArgv(login, 'plain', ['--batch', '--skip-column-names']),
    stdin: Readable.from([sql]),
    stdout: out.stream,
    stderr: err.stream,
  });
  if (code !== 0) {
    throw new RuntimeError(
      `a query in ${login.service} on ${target.host} failed (exit code ${code}): ${err.text().trim()}`,
    );
  }
  return out.text();
}

/** Rows of every base table of the login's database. */
export async function countTables(
  target: Target,
  login: DatabaseLogin,
): Promise<Record<string, number>> {
  const tables = (await query(target, login, listTablesSql(login.database)))
    .split('\n')
    .filter((t) => t !== '');
  const counts = await query(target, login, countRowsSql(login.database, tables));
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
  const gzip = (await target.exec(service, { cmd: HAS_GZIP_ARGV })) === 0;
  const id = `restore:${service}`;
  const text = `restore ${service} (database ${login.database}) on ${target.host} from ${run.file}`;
  onEvent({ type: 'op-start', id, service, text });
  const t0 = Date.now();
  const counter = progressCounter(onEvent, id, service, 'sent');
  const source: Readable = gzip
    ? createReadStream(run.file).pipe(counter.stream)
    : createReadStream(run.file).pipe(createGunzip()).pipe(counter.stream);
  const err = collector(1500);
  const code = await target.exec(service, {
    cmd: clientArgv(login, gzip ? 'gzip' : 'plain'),
    stdin: source,
    stdout: err.stream,
    stderr: err.stream,
  });
  if (code !== 0) {
    const why = `exit code ${code}: ${err.text().trim() || 'no message'}`;
    onEvent({ type: 'op-failed', id, text, error: why });
    throw new RuntimeError(`the restore of ${service} on ${target.host} failed (${why})`, {
      hint: `The database may be partly restored: fix the cause and run the restore again (the dump drops and recreates database ${login.database}).`,
    });
  }
  const ms = Date.now() - t0;
  onEvent({
    type: 'op-done',
    id,
    text: `${text} (${rateText(counter.bytes(), ms)} ${gzip ? 'compressed' : 'plain'} over the link)`,
    ms,
  });
  await healthy('after');
  const tables = await countTables(target, login);
  return { service, database: login.database, tables, ms: Date.now() - started };
}
