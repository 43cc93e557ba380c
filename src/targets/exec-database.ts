/**
 * A database service's dump, restore and queries run in its own container through
 * Target.exec (issue 23): how the `docker` and `swarm` targets implement dumpDatabase,
 * restoreDatabase and queryDatabase. The commands are src/backup/mariadb.ts's (the password is
 * the container's secret file, handed to the client on a pipe); gzip runs in the container
 * when it has it (fewer bytes over an SSH link), else here.
 */
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { clientArgv, dumpArgv, HAS_GZIP_ARGV, type DatabaseLogin } from '../backup/mariadb.ts';
import { RuntimeError } from '../errors.ts';
import type { DatabaseDump, DatabaseRestore, Target } from './target.ts';

/** What these functions use of a target. */
type ExecTarget = Pick<Target, 'host' | 'exec' | 'status'>;

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

/** Dump `login`'s database in its container, gzip'd into `out`. */
export async function execDump(
  target: ExecTarget,
  login: DatabaseLogin,
  out: Writable,
  { signal }: { signal: AbortSignal },
): Promise<DatabaseDump> {
  const { service } = login;
  const instance = (await target.status()).find(
    (s) => s.service === service && s.state === 'running',
  );
  if (!instance) {
    throw new RuntimeError(`service ${service} is not running on ${target.host}`, {
      hint: `Start it with \`notesctl up ${service}\`, then back it up.`,
    });
  }
  const gzip = (await target.exec(service, { cmd: HAS_GZIP_ARGV })) === 0;
  const head = new PassThrough();
  const flowing = gzip ? pipeline(head, out) : pipeline(head, createGzip(), out);
  flowing.catch(() => undefined);
  const stderr = collector(1500);
  const cmd = dumpArgv(login, gzip ? 'gzip' : 'plain');
  const code = await target.exec(service, { cmd, stdout: head, stderr: stderr.stream, signal });
  signal.throwIfAborted();
  head.end();
  await flowing;
  if (code !== 0) {
    throw new RuntimeError(
      `the dump of ${service} on ${target.host} failed (exit code ${code}): ${stderr.text().trim() || 'no message'}`,
      { hint: `See \`notesctl logs ${service}\`.` },
    );
  }
  return { image: instance.image };
}

/** Run the gzip'd dump into `login`'s server in its container (decompressed there if it can). */
export async function execRestore(
  target: ExecTarget,
  login: DatabaseLogin,
  dump: Readable,
  { signal }: { signal: AbortSignal },
): Promise<DatabaseRestore> {
  const { service } = login;
  const gzip = (await target.exec(service, { cmd: HAS_GZIP_ARGV })) === 0;
  const err = collector(1500);
  const code = await target.exec(service, {
    cmd: clientArgv(login, gzip ? 'gzip' : 'plain'),
    stdin: gzip ? dump : dump.pipe(createGunzip()),
    stdout: err.stream,
    stderr: err.stream,
    signal,
  });
  if (code !== 0) {
    throw new RuntimeError(
      `the restore of ${service} on ${target.host} failed (exit code ${code}: ${err.text().trim() || 'no message'})`,
      {
        hint: `The database may be partly restored: fix the cause and run the restore again (the dump drops and recreates database ${login.database}).`,
      },
    );
  }
  return { compressed: gzip };
}

/** Run `sql` with the service's client in its container (batch mode, no headers). */
export async function execQuery(
  target: ExecTarget,
  login: DatabaseLogin,
  sql: string,
): Promise<string> {
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
