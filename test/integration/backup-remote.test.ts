/**
 * Issue 23, backups of a remote host: a namespace host behind the delay proxy (25 ms each way),
 * a MariaDB service and a service writing to a plain volume. `backup` takes one SSH connection,
 * and the dump crosses it compressed (gzip in the container: fewer bytes on the wire than the
 * SQL it holds); after the volumes are destroyed on the host, `restore` over the same kind of
 * link brings back every row.
 */
import { execa } from 'execa';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../bed/delay-proxy.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { sql, tableContents, type SqlTarget } from '../support/mariadb-sql.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';

const run = `br${process.pid % 10000}`;
let host: TestHost;
let proxy: DelayProxy;
let dir: string;
let env: Record<string, string>;

async function cli(args: string[]): Promise<CliResult & { connections: number; wire: number }> {
  proxy.resetStats();
  const result = await runCli(args, { cwd: dir, env, timeoutMs: 600_000 });
  return { ...result, connections: proxy.stats.connections, wire: proxy.stats.bytesFromTarget };
}

async function db(): Promise<SqlTarget> {
  const { stdout } = await execa(
    'docker',
    [
      'ps',
      '-q',
      '--filter',
      `label=io.notesctl.project=${run}`,
      '--filter',
      'label=io.notesctl.service=db',
    ],
    { env: { DOCKER_HOST: `unix://${host.dockerSocket}` } },
  );
  return {
    socket: host.dockerSocket,
    container: stdout.trim(),
    passwordFile: '/run/secrets/db_root_password',
  };
}

describe('backup and restore of a remote host over SSH', () => {
  beforeAll(async () => {
    host = await startHost(run);
    proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 25 });
    dir = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    env = { HOME: dir, NOTESCTL_HOME: join(dir, 'state'), SSH_AUTH_SOCK: '' };
    // The host cannot pull: its images are loaded straight into its engine (not what is tested).
    await execa('sh', [
      '-c',
      `docker save mariadb:10.11 ${debianImage} | DOCKER_HOST=unix://${host.dockerSocket} docker load -q`,
    ]);
    await writeFile(
      join(dir, 'notesctl.config.yaml'),
      `project: ${run}
host: h1
hosts:
  h1: { ssh: 'root@127.0.0.1:${proxy.port}', identity: '${host.identityFile}' }
volumes:
  db-data: {}
  uploads: {}
secrets:
  db_password: { generate: true }
  db_root_password: { generate: true }
services:
  db:
    image: mariadb:10.11
    env: { MARIADB_DATABASE: shop, MARIADB_USER: shop }
    secrets: { MARIADB_PASSWORD: db_password, MARIADB_ROOT_PASSWORD: db_root_password }
    volumes: ['db-data:/var/lib/mysql']
    healthcheck:
      test: ['CMD', 'healthcheck.sh', '--connect', '--innodb_initialized']
      interval: 5s
      start_period: 60s
  files:
    image: ${debianImage}
    command: ['sh', '-c', 'while :; do date >> /data/ticks; sleep 0.2; done']
    volumes: ['uploads:/data']
`,
    );
    const up = await cli(['--accept-new-host-key', 'up']);
    expect(up.code, up.stderr).toBe(0);
  }, 300_000);
  afterAll(async () => {
    if ((proxy as DelayProxy | undefined) && dir) {
      await runCli(['down', '--volumes', '--yes'], { cwd: dir, env }).catch(() => undefined);
    }
    await (proxy as DelayProxy | undefined)?.close();
    await (host as TestHost | undefined)?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('backs up over one compressed connection and restores every row after the volumes go', async () => {
    await sql(
      await db(),
      `CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(100), note TEXT);
       INSERT INTO shop.orders SELECT seq, CONCAT('customer ', seq MOD 97), REPEAT('line ', 40) FROM shop.seq_1_to_20000;
       CREATE TABLE shop.customers (id INT PRIMARY KEY, name VARCHAR(100));
       INSERT INTO shop.customers SELECT seq, CONCAT('name ', seq) FROM shop.seq_1_to_97;`,
    );
    const before = await tableContents(await db(), 'shop');

    const backup = await cli(['--json', 'backup']);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.connections).toBe(1);
    const { backups } = JSON.parse(backup.stdout) as {
      backups: { path: string; kind: string; bytes: number; contentBytes: number; host: string }[];
    };
    expect(backups.map((b) => [b.kind, b.host])).toEqual([
      ['mariadb-dump', 'h1'],
      ['volume-tar', 'h1'],
    ]);
    const dump = backups[0];
    // gzip ran in the container: the link carried fewer bytes than the SQL itself.
    expect(backup.wire).toBeLessThan((dump?.contentBytes ?? 0) / 2);
    console.log(
      `remote dump: ${dump?.contentBytes} bytes of SQL, ${dump?.bytes} gzip'd, ${backup.wire} bytes from the host in total, ${backup.ms} ms`,
    );

    expect((await cli(['down', '--volumes', '--yes'])).code).toBe(0);
    expect((await cli(['up'])).code).toBe(0);
    expect(await sql(await db(), "SHOW TABLES FROM shop LIKE 'orders'")).toBe('');

    const restore = await cli(['restore', 'db', dump?.path ?? '', '--yes']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.connections).toBe(1);
    expect(restore.stdout).toContain('2 table(s), 20097 row(s)');
    expect(await tableContents(await db(), 'shop')).toEqual(before);
    expect((await readdir(join(dir, 'backups'))).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});
