/**
 * A throwaway MariaDB server on loopback for app tests: Debian's `mariadbd` with its own data
 * directory, socket and free port, torn down by `stop()`. Real server, no container needed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running MariaDB server owned by one test file. */
export interface MariaDb {
  host: string;
  port: number;
  /** Create a database and a user with all rights on it; returns a mysql:// URL with password. */
  createDatabase(name: string): Promise<{ url: string; user: string; password: string }>;
  /** Run SQL as root over the socket; returns tab-separated rows. */
  sql(statement: string): Promise<string>;
  /** Restart the server process on the same data (for outage tests). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  stop(): Promise<void>;
}

/** Ask the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** Start a fresh MariaDB server on 127.0.0.1 and wait until it accepts connections. */
export async function startMariaDb(): Promise<MariaDb> {
  const dir = await mkdtemp(join(tmpdir(), 'notesctl-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--user=root',
    '--auth-root-authentication-method=socket',
    '--skip-test-db',
  ]);
  let child: ChildProcess | undefined;

  const startServer = async (): Promise<void> => {
    child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--socket=${socket}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--innodb-buffer-pool-size=64M',
        '--innodb-log-file-size=16M',
        '--skip-log-bin',
        '--max-connections=500',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await run('mariadb-admin', ['--no-defaults', `--socket=${socket}`, '-uroot', 'ping']);
        return;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`mariadbd did not start on port ${port}: ${stderr.slice(-2000)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };

  const stopServer = async (): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };

  const sql = async (statement: string): Promise<string> => {
    const { stdout } = await run('mariadb', [
      '--no-defaults',
      `--socket=${socket}`,
      '-uroot',
      '-N',
      '-B',
      '-e',
      statement,
    ]);
    return stdout;
  };

  await startServer();
  return {
    host: '127.0.0.1',
    port,
    sql,
    stopServer,
    startServer,
    async createDatabase(name) {
      const user = `u_${name}`.slice(0, 32);
      const password = randomBytes(12).toString('hex');
      await sql(
        `CREATE DATABASE \`${name}\`; CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY '${password}';` +
          ` GRANT ALL ON \`${name}\`.* TO '${user}'@'127.0.0.1';`,
      );
      return { url: `mysql://${user}:${password}@127.0.0.1:${port}/${name}`, user, password };
    },
    async stop() {
      await stopServer();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
