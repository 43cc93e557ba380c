/**
 * Backups of a database service on a plain server (issue 23 on runtime: systemd and pm2, which
 * share this): the service is a database of the host's one MariaDB server (scripts.ts's
 * databaseScript), so its dump, restore and queries are bash scripts run over the host's SSH
 * connection, returned as text here and compared as text by the unit tests.
 *
 * They log in as MariaDB's root over the server's unix socket, as every other step of notesctl
 * on the server does (databaseScript, dropDatabaseScript, databaseCheck): Debian's and Ubuntu's
 * mariadb-server authenticate root@localhost by the unix_socket plugin, and notesctl's SSH
 * login is root. Why not the service's own user: its password is not kept on the server for the
 * database service (only in the credentials of the apps that use it, which may live on another
 * host), and any password would have to reach the client somehow; the socket needs none, so
 * none is in an argument, an environment variable, a file or the stream. The dump is the same
 * `mariadb-dump --single-transaction … --add-drop-database --databases DB` as in a container
 * (src/backup/mariadb.ts), so a file restores on either runtime.
 */
import type { Readable, Writable } from 'node:stream';
import type { DatabaseLogin } from '../../backup/mariadb.ts';
import type { Shell } from '../../engine/shell.ts';
import { RuntimeError } from '../../errors.ts';
import type { DatabaseDump, DatabaseRestore } from '../target.ts';
import { shellQuote as q } from './quote.ts';

const STRICT = 'set -euo pipefail';
/** The server's own root over its unix socket: no password (see above). */
const AS_ROOT = '--protocol=socket -u root';
/** Exit codes of the probe, for its errors. */
const NOT_RUNNING = 3;
const NO_DATABASE = 4;

/** A MariaDB string literal. */
function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Before a dump: exit 3 when MariaDB is not running, 4 when `database` does not exist; else
 * print the server's version.
 */
export function probeDatabaseScript(database: string): string {
  const exists = `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME=${literal(database)}`;
  return [
    STRICT,
    `[ "$(systemctl is-active mariadb.service)" = active ] || exit ${NOT_RUNNING}`,
    `[ "$(mariadb ${AS_ROOT} -N -e ${q(exists)})" = 1 ] || exit ${NO_DATABASE}`,
    `mariadb ${AS_ROOT} -N -e 'SELECT VERSION()'`,
  ].join('\n');
}

/** The dump of `database`, gzip'd on stdout; fails when the dump or gzip does (pipefail). */
export function dumpDatabaseScript(database: string): string {
  return [
    `# stdout: the dump of database ${database} (gzip)`,
    STRICT,
    'dump=mariadb-dump; command -v "$dump" >/dev/null 2>&1 || dump=mysqldump',
    `"$dump" ${AS_ROOT} --single-transaction --quick --routines --events --triggers --hex-blob --add-drop-database --databases ${q(database)} | gzip -c`,
  ].join('\n');
}

/**
 * Run a gzip'd dump from stdin. The dump drops and recreates its own database (and names no
 * other: the restore command checked the manifest's database against the service's first).
 */
export function restoreDatabaseScript(database: string): string {
  return [
    `# stdin: a dump of database ${database} (gzip), as notesctl backup wrote it`,
    STRICT,
    `gzip -dc | mariadb ${AS_ROOT} --batch`,
  ].join('\n');
}

/** Run the SQL on stdin: tab-separated rows, no column names. */
export function queryDatabaseScript(): string {
  return [`# stdin: SQL`, STRICT, `mariadb ${AS_ROOT} --batch --skip-column-names`].join('\n');
}

/** The last lines a script printed on stderr, for an error. */
function said(stderr: string): string {
  return stderr.trim().split('\n').slice(-10).join('\n') || 'no message';
}

/** Dump `login`'s database on the host into `out` (gzip'd there), ending `out`. */
export async function dumpPlainDatabase(
  shell: Shell,
  login: DatabaseLogin,
  out: Writable,
  { signal }: { signal: AbortSignal },
): Promise<DatabaseDump> {
  const { service, database } = login;
  const host = shell.hostName;
  const probe = await shell.run(probeDatabaseScript(database), { signal });
  if (probe.code === NOT_RUNNING) {
    throw new RuntimeError(`MariaDB (mariadb.service) is not running on ${host}`, {
      hint: `See \`notesctl logs ${service}\`; \`notesctl up\` starts it again.`,
    });
  }
  if (probe.code === NO_DATABASE) {
    throw new RuntimeError(`database ${database} of ${service} does not exist on ${host}`, {
      hint: `Deploy it first: \`notesctl up ${service}\`.`,
    });
  }
  if (probe.code !== 0) {
    throw new RuntimeError(`MariaDB on ${host} did not answer: ${said(probe.stderr)}`);
  }
  const result = await shell.run(dumpDatabaseScript(database), { stdout: out, signal });
  signal.throwIfAborted();
  if (result.code !== 0) {
    out.destroy();
    throw new RuntimeError(
      `the dump of ${service} (database ${database}) on ${host} failed (exit code ${result.code}): ${said(result.stderr)}`,
      { hint: `See \`notesctl logs ${service}\` (MariaDB's journal).` },
    );
  }
  out.end();
  return { image: `mariadb ${probe.stdout.trim()} (the host's server)` };
}

/** Run the gzip'd `dump` into the host's MariaDB server. */
export async function restorePlainDatabase(
  shell: Shell,
  login: DatabaseLogin,
  dump: Readable,
  { signal }: { signal: AbortSignal },
): Promise<DatabaseRestore> {
  const { service, database } = login;
  const result = await shell.run(restoreDatabaseScript(database), { input: dump, signal });
  signal.throwIfAborted();
  if (result.code !== 0) {
    throw new RuntimeError(
      `the restore of ${service} on ${shell.hostName} failed (exit code ${result.code}: ${said(result.stderr)})`,
      {
        hint: `The database may be partly restored: fix the cause and run the restore again (the dump drops and recreates database ${database}).`,
      },
    );
  }
  return { compressed: true };
}

/** Run `sql` on the host's MariaDB server: its output. */
export async function queryPlainDatabase(
  shell: Shell,
  login: DatabaseLogin,
  sql: string,
): Promise<string> {
  const result = await shell.run(queryDatabaseScript(), { input: Buffer.from(sql) });
  if (result.code !== 0) {
    throw new RuntimeError(
      `a query of ${login.service} (database ${login.database}) on ${shell.hostName} failed (exit code ${result.code}): ${said(result.stderr)}`,
    );
  }
  return result.stdout;
}
