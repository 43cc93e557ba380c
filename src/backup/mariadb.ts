/**
 * MariaDB/MySQL services, as `backup` and `restore` see them (issue 23): which services hold a
 * database, how to log in to it, and the commands run in the service's own container — pure
 * functions returning argv, compared as text by the unit tests (Kamal's `commands/` habit).
 *
 * The password is the service's own secret file (the one the image's entrypoint read), turned
 * into a MariaDB option file by the container's shell and handed to the client on a pipe
 * (`--defaults-extra-file=/dev/stdin` or `/dev/fd/3`): it is never in an argument, an
 * environment variable or a file on disk. `printf` is a shell builtin, so no process sees it
 * in its command line either.
 */
import type { Service } from '../model/topology.ts';

/** How to reach one service's database. */
export interface DatabaseLogin {
  service: string;
  /** The database dumped and restored (MARIADB_DATABASE / MYSQL_DATABASE). */
  database: string;
  user: string;
  /** Path of the password's secret file inside the service's container. */
  passwordFile: string;
}

/** The image names taken for MariaDB/MySQL (the last path segment, before the tag). */
const IMAGES = /^(?:mariadb|mysql|percona|percona-server)$/;

/** True when `service` runs MariaDB or MySQL (by its image). */
export function isDatabaseService(service: Service): boolean {
  if (service.image.kind !== 'image') return false;
  const name = service.image.ref.split('@')[0]?.split('/').pop()?.split(':')[0] ?? '';
  return IMAGES.test(name);
}

/**
 * The login of a database service: root with its root password secret when it has one (a dump
 * of routines and events needs more than the app's own grants), else the app user. A string is
 * the reason none can be made, for the error.
 */
export function databaseLogin(service: Service): DatabaseLogin | string {
  const env = (name: string) => service.env[`MARIADB_${name}`] ?? service.env[`MYSQL_${name}`];
  const secret = (name: string) =>
    service.secrets.find(
      (s) => s.envVar === `MARIADB_${name}_FILE` || s.envVar === `MYSQL_${name}_FILE`,
    );
  const database = env('DATABASE');
  if (database === undefined) return 'it names no database (env MARIADB_DATABASE)';
  const root = secret('ROOT_PASSWORD');
  if (root) return { service: service.name, database, user: 'root', passwordFile: root.target };
  const user = env('USER');
  const password = secret('PASSWORD');
  if (user !== undefined && password) {
    return { service: service.name, database, user, passwordFile: password.target };
  }
  return 'its passwords are not secrets (secrets: MARIADB_ROOT_PASSWORD or MARIADB_PASSWORD)';
}

/** Shell lines shared by the scripts: $1 password file, $2 user; `cnf` prints the option file. */
const PRELUDE = `set -u
pw_file=$1 user=$2
shift 2
cnf() { printf '[client]\\nuser=%s\\npassword="%s"\\n' "$user" "$(sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g' "$pw_file")"; }`;

/**
 * The dump ($3: database): a consistent snapshot of InnoDB tables (--single-transaction), with
 * routines, events and triggers, dropping and recreating the database on restore. With $4 =
 * gzip, compressed in the container (fewer bytes over the link); the exit status is the dump's
 * (POSIX sh has no pipefail: it is carried out on fd 5).
 */
const DUMP_SCRIPT = `${PRELUDE}
db=$1 mode=$2
dump=mariadb-dump; command -v "$dump" >/dev/null 2>&1 || dump=mysqldump
run() { cnf | "$dump" --defaults-extra-file=/dev/stdin --single-transaction --quick --routines --events --triggers --hex-blob --add-drop-database --databases "$db"; }
if [ "$mode" = gzip ]; then
  exec 4>&1
  rc=$( { { run; echo $? >&5; } | gzip -c >&4; } 5>&1 )
  exit "\${rc:-1}"
fi
run`;

/**
 * The client ($3: gzip|plain, then the client's own arguments), reading SQL on stdin — gzip'd
 * when $3 says so — and the option file on fd 3. Fails when either the decompression or the
 * client does.
 */
const CLIENT_SCRIPT = `${PRELUDE}
mode=$1
shift
client=mariadb; command -v "$client" >/dev/null 2>&1 || client=mysql
run() { { cnf | { "$client" --defaults-extra-file=/dev/fd/3 "$@" 3<&0 <&4 4<&-; }; } 4<&0; }
if [ "$mode" = gzip ]; then
  exec 6>&1
  codes=$( { { gzip -dc; echo "gzip=$?" >&5; } | { run "$@" >&6; echo "client=$?" >&5; }; } 5>&1 )
  case "$codes" in *gzip=0*) ;; *) exit 1 ;; esac
  case "$codes" in *client=0*) exit 0 ;; *) exit 1 ;; esac
fi
run "$@"`;

/** The command that writes the dump of `login`'s database on stdout (`gzip`: compressed). */
export function dumpArgv(login: DatabaseLogin, output: 'gzip' | 'plain'): string[] {
  const { passwordFile, user, database } = login;
  return ['sh', '-c', DUMP_SCRIPT, 'notesctl-dump', passwordFile, user, database, output];
}

/** The command that runs the SQL on its stdin (`gzip`: compressed) as `login`'s user. */
export function clientArgv(login: DatabaseLogin, input: 'gzip' | 'plain', args: string[] = []) {
  return [
    'sh',
    '-c',
    CLIENT_SCRIPT,
    'notesctl-sql',
    login.passwordFile,
    login.user,
    input,
    ...args,
  ];
}

/** The command that tells whether the container has gzip (exit 0). */
export const HAS_GZIP_ARGV = ['sh', '-c', 'command -v gzip >/dev/null 2>&1'];

/** `name` as a quoted identifier. */
function identifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** `text` as a quoted string literal. */
function literal(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** The SQL listing a database's base tables, one name a line. */
export function listTablesSql(database: string): string {
  return `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${literal(database)} AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;\n`;
}

/** The SQL counting the rows of each table: `name<TAB>count` lines (exact counts, not estimates). */
export function countRowsSql(database: string, tables: string[]): string {
  if (tables.length === 0) return 'SELECT 1 FROM DUAL WHERE FALSE;\n';
  const db = identifier(database);
  return `${tables
    .map((t) => `SELECT ${literal(t)}, COUNT(*) FROM ${db}.${identifier(t)}`)
    .join('\nUNION ALL\n')};\n`;
}
