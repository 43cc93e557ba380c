/**
 * The server process as an operator sees it: configuration refusals, secrets from files, waiting
 * for the database, migrations from two replicas at once, /health following the database, and
 * graceful shutdown on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDb } from '../../../../test/bed/mariadb.ts';
import { startUserauth } from '../../../../test/bed/userauth.ts';
import { migrations } from '../../src/migrations/index.ts';

const SERVER = resolve(import.meta.dirname, '../../src/server.ts');

/** Run the server to completion (for start-up refusals); returns exit code and output. */
function runServer(env: Record<string, string>, timeoutMs = 20_000) {
  return new Promise<{ code: number | null; output: string }>((done, fail) => {
    const child = spawn(process.execPath, [SERVER], {
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`server did not exit:\n${output}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

async function pollStatus(url: string, want: number, timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === want || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

let dir: string;
let mariadb: MariaDb;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'userauth-server-'));
  mariadb = await startMariaDb();
});
afterAll(async () => {
  await mariadb.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('configuration', () => {
  it('refuses to start in production without an API key', async () => {
    const { code, output } = await runServer({
      NODE_ENV: 'production',
      DATABASE_URL: 'sqlite::memory:',
    });
    expect(code).toBe(2);
    expect(output).toContain('USERAUTH_API_KEY or USERAUTH_API_KEY_FILE must be set in production');
  });

  it('refuses a key file and a plain key that differ, without printing either', async () => {
    const file = join(dir, 'key-conflict');
    await writeFile(file, 'file-key-value\n');
    const { code, output } = await runServer({
      DATABASE_URL: 'sqlite::memory:',
      USERAUTH_API_KEY: 'plain-key-value',
      USERAUTH_API_KEY_FILE: file,
    });
    expect(code).toBe(2);
    expect(output).toContain('USERAUTH_API_KEY and USERAUTH_API_KEY_FILE are both set and differ');
    expect(output).not.toMatch(/file-key-value|plain-key-value/);
  });

  it('generates a key in development and prints it once on stderr', async () => {
    const service = await startUserauth({ apiKey: '', env: { USERAUTH_API_KEY: '' } });
    try {
      const match = /generated a key for this run: (\S+)/.exec(service.output());
      expect(match).not.toBeNull();
      const key = match?.[1] ?? '';
      expect(service.output().split(key)).toHaveLength(2);
      const ok = await fetch(`${service.url}/list`, {
        headers: { authorization: `Basic ${Buffer.from(`them:${key}`).toString('base64')}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it('takes the API key and the database password from files, and logs neither', async () => {
    const { url, password } = await mariadb.createDatabase('userauth_files');
    const keyFile = join(dir, 'api-key');
    const pwFile = join(dir, 'db-password');
    await writeFile(keyFile, 'key-from-a-file\n');
    await writeFile(pwFile, `${password}\n`);
    const service = await startUserauth({
      databaseUrl: url.replace(`:${password}@`, '@'),
      apiKey: 'key-from-a-file',
      env: {
        NODE_ENV: 'production',
        USERAUTH_API_KEY: '',
        USERAUTH_API_KEY_FILE: keyFile,
        DATABASE_PASSWORD_FILE: pwFile,
      },
    });
    try {
      await service.createUser({ username: 'filed', password: 'pw-in-a-request' });
      const res = await fetch(`${service.url}/find/filed`, {
        headers: { authorization: service.authorization },
      });
      expect(res.status).toBe(200);
      const output = service.output();
      expect(output).toContain('"path":"/create-user"');
      for (const secret of [
        'key-from-a-file',
        password,
        'pw-in-a-request',
        service.authorization,
      ]) {
        expect(output).not.toContain(secret);
      }
    } finally {
      await service.stop();
    }
  });
});

describe('database lifecycle', () => {
  it('migrates once when two replicas start against an empty database at the same time', async () => {
    const { url } = await mariadb.createDatabase('userauth_replicas');
    const [a, b] = await Promise.all([
      startUserauth({ databaseUrl: url }),
      startUserauth({ databaseUrl: url }),
    ]);
    try {
      const applied = [a, b].map((s) => s.output().split('"msg":"migration applied"').length - 1);
      expect(applied.sort()).toEqual([0, migrations.length]);
      const rows = await mariadb.sql('SELECT name FROM userauth_replicas.userauth_migrations');
      expect(rows.trim().split('\n')).toEqual(migrations.map((m) => m.name));
      await a.createUser({ username: 'via-a', password: 'pw' });
      const res = await fetch(`${b.url}/find/via-a`, {
        headers: { authorization: b.authorization },
      });
      expect(res.status).toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('waits for a database that is not up yet, then serves', async () => {
    const { url, password } = await mariadb.createDatabase('userauth_late');
    await mariadb.stopServer();
    // The server comes back only after userauth has met it down (a fixed pause lost that race
    // when the machine was busy and userauth took longer to boot).
    let refused = (): void => undefined;
    const firstRefusal = new Promise<void>((r) => (refused = r));
    const starting = startUserauth({
      databaseUrl: url,
      env: { DB_CONNECT_TIMEOUT_MS: '60000' },
      onOutput: (output) => {
        if (output.includes('"msg":"database not reachable"')) refused();
      },
    });
    await firstRefusal;
    await mariadb.startServer();
    const service = await starting;
    try {
      const output = service.output();
      expect(output).toMatch(/"msg":"database not reachable","attempt":1,"error":"ECONNREFUSED"/);
      expect(output).toContain('"msg":"ready"');
      expect(output).not.toContain(password);
    } finally {
      await service.stop();
    }
  });

  it('answers /health 503 while the database is down and 200 once it is back', async () => {
    const { url } = await mariadb.createDatabase('userauth_health');
    const service = await startUserauth({ databaseUrl: url });
    try {
      await mariadb.stopServer();
      expect(await pollStatus(`${service.url}/health`, 503)).toBe(503);
      await mariadb.startServer();
      expect(await pollStatus(`${service.url}/health`, 200)).toBe(200);
    } finally {
      await service.stop();
    }
  });

  it('exits non-zero when the database never comes up', async () => {
    const { code, output } = await runServer({
      USERAUTH_API_KEY: 'k',
      DATABASE_URL: `mysql://nobody:pw@127.0.0.1:1/none`,
      DB_CONNECT_TIMEOUT_MS: '600',
    });
    expect(code).toBe(1);
    expect(output).toContain('"msg":"start-up failed"');
  });
});

describe('shutdown', () => {
  it('exits 0 on SIGTERM and closes idle keep-alive connections', async () => {
    const service = await startUserauth();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // One request over a keep-alive connection; once answered, the socket sits idle in the pool.
    const socket = await new Promise<Socket>((answered, failed) => {
      const req = request(
        `${service.url}/list`,
        { agent, headers: { authorization: service.authorization } },
        (res) => {
          res.resume();
          res.on('end', () => answered(req.socket as Socket));
        },
      );
      req.on('error', failed);
      req.end();
    });
    expect(socket.destroyed).toBe(false);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    const code = await service.stop();
    await closed;
    expect(code).toBe(0);
    expect(service.output()).toContain('"msg":"stopped"');
    agent.destroy();
  });

  it('exits 0 on SIGTERM with a request in flight', async () => {
    const service = await startUserauth();
    await service.createUser({ username: 'inflight', password: 'pw' });
    const inflight = fetch(`${service.url}/passwordCheck`, {
      method: 'POST',
      headers: { authorization: service.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'inflight', password: 'pw' }),
    }).then(
      (r) => r.status,
      () => 0,
    );
    await new Promise((r) => setTimeout(r, 10));
    const code = await service.stop();
    expect(code).toBe(0);
    expect([0, 200]).toContain(await inflight);
  });
});
