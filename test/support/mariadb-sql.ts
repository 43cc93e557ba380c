/**
 * SQL in a MariaDB service's container, for tests that compare what a database holds (issue 23:
 * backups). Runs `mariadb` as root through the docker CLI, the password read from the service's
 * own secret file into MYSQL_PWD inside the container (never an argument), the SQL on stdin.
 */
import { execa } from 'execa';

/** Where the container is: its engine's socket and its id. */
export interface SqlTarget {
  socket: string;
  container: string;
  /** The root password's secret file in the container. */
  passwordFile: string;
}

/** Run `sql`; tab-separated rows, no header. Throws with mariadb's message on failure. */
export async function sql(target: SqlTarget, statement: string): Promise<string> {
  const { stdout } = await execa(
    'docker',
    [
      'exec',
      '-i',
      target.container,
      'sh',
      '-c',
      'MYSQL_PWD=$(cat "$1") exec mariadb -uroot --batch --skip-column-names',
      'sh',
      target.passwordFile,
    ],
    { input: statement, env: { DOCKER_HOST: `unix://${target.socket}` } },
  );
  return stdout;
}

/** Every row of every base table of `database`, in primary-key order: table → rows text. */
export async function tableContents(
  target: SqlTarget,
  database: string,
): Promise<Record<string, string>> {
  const tables = (
    await sql(
      target,
      `SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${database}' AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1`,
    )
  )
    .split('\n')
    .filter((t) => t !== '');
  const contents: Record<string, string> = {};
  for (const table of tables) {
    // ORDER BY every column: the primary key first in each of these schemas.
    const columns = (
      await sql(
        target,
        `SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${database}' AND TABLE_NAME = '${table}'`,
      )
    ).trim();
    const order = Array.from({ length: Number(columns) }, (_, i) => i + 1).join(', ');
    contents[table] = await sql(
      target,
      `SELECT * FROM \`${database}\`.\`${table}\` ORDER BY ${order}`,
    );
  }
  return contents;
}
