/**
 * Graceful shutdown of the real entry point (`node src/server.ts`): SIGTERM ends live streams,
 * lets an in-flight request finish, closes the pool and exits 0. Behaviour, not timing — the
 * measured time is printed for the record.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempSqlite, TEST_SESSION_SECRET } from '../helpers/notes-app.ts';
import { openSse } from '../helpers/sse.ts';

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

interface Running {
  child: ChildProcess;
  url: string;
  port: number;
  exit: Promise<{ code: number | null; at: number }>;
  output: () => string;
}

const started: Running[] = [];
const dbs: { remove(): Promise<void> }[] = [];

async function startServer(): Promise<Running> {
  const db = await tempSqlite();
  dbs.push(db);
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: db.url,
      USER_SERVICE_URL: 'http://127.0.0.1:9',
      SESSION_SECRET: TEST_SESSION_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exit = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.once('exit', (code) => resolve({ code, at: Date.now() })),
  );
  const deadline = Date.now() + 20_000;
  while (!output.includes('"message":"ready"')) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  const port = Number(/"message":"listening".*?"port":(\d+)/.exec(output)?.[1]);
  const running = { child, url: `http://127.0.0.1:${port}`, port, exit, output: () => output };
  started.push(running);
  return running;
}

afterEach(async () => {
  for (const s of started.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const db of dbs.splice(0)) await db.remove();
});

describe('graceful shutdown on SIGTERM', () => {
  it('exits 0 promptly when idle', async () => {
    const server = await startServer();
    expect((await fetch(`${server.url}/`)).status).toBe(200);
    const sent = Date.now();
    server.child.kill('SIGTERM');
    const { code, at } = await server.exit;
    expect(code).toBe(0);
    expect(server.output()).toContain('"message":"stopped"');
    console.log(`idle shutdown took ${at - sent} ms`);
  });

  it('closes live streams (SSE) and still exits 0', async () => {
    const server = await startServer();
    const stream = await openSse(`${server.url}/notes/events`);
    server.child.kill('SIGTERM');
    await stream.ended;
    expect((await server.exit).code).toBe(0);
  });

  it('finishes an in-flight request before exiting', async () => {
    const server = await startServer();
    // A request whose body is still arriving when SIGTERM lands.
    const socket = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (c: Buffer) => (response += c.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', resolve));
    const body = 'username=a&password=b';
    socket.write(
      `POST /users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((r) => setTimeout(r, 100));
    server.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    expect(server.child.exitCode).toBeNull();
    socket.write(body.slice(5));
    await closed;
    // Answered in full (403: no CSRF token), then the server went away.
    expect(response).toMatch(/^HTTP\/1\.1 403 /);
    expect(response).toContain('This form has expired');
    expect((await server.exit).code).toBe(0);
  });
});
