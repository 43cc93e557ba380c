/**
 * A real userauth service process for tests: `node apps/userauth/src/server.ts` on a free
 * loopback port (the server is asked for port 0 and reports the one it got), with a fresh SQLite
 * file unless a DATABASE_URL is given. Waits for /health; `stop()` sends SIGTERM and waits.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../apps/userauth/src/server.ts',
);

/** Options of startUserauth. */
export interface UserauthOptions {
  /** mysql://... or sqlite:...; default a fresh SQLite file in a temporary directory. */
  databaseUrl?: string;
  /** Default: a random key. */
  apiKey?: string;
  /** Default: `them`. */
  apiUser?: string;
  /** Extra environment for the service (e.g. USERAUTH_SCRYPT_LOG_N). */
  env?: Record<string, string>;
  /** How long to wait for /health to answer 200 (default 60 s). */
  startTimeoutMs?: number;
  /** Called with everything written so far, after each chunk (e.g. to act on a log line). */
  onOutput?: (output: string) => void;
}

/** A user to create through the real API. */
export interface NewUser {
  username: string;
  password: string;
  givenName?: string;
  familyName?: string;
  emails?: string[];
}

/** A running userauth process. */
export interface Userauth {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  apiUser: string;
  apiKey: string;
  port: number;
  /** Value for an `Authorization` header. */
  authorization: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** POST /create-user; throws unless 2xx. */
  createUser(user: NewUser): Promise<void>;
}

/** Start the service and wait until /health answers 200. */
export async function startUserauth(options: UserauthOptions = {}): Promise<Userauth> {
  const apiUser = options.apiUser ?? 'them';
  const apiKey = options.apiKey ?? randomBytes(18).toString('base64url');
  const dir = options.databaseUrl ? undefined : await mkdtemp(join(tmpdir(), 'notesctl-userauth-'));
  const databaseUrl = options.databaseUrl ?? `sqlite:${join(dir ?? '', 'userauth.sqlite')}`;
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: databaseUrl,
      USERAUTH_API_USER: apiUser,
      USERAUTH_API_KEY: apiKey,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const portFound = new Promise<number>((res, rej) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      options.onOutput?.(output);
      const m = /"msg":"listening".*?"port":(\d+)/.exec(output);
      if (m?.[1]) res(Number(m[1]));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      options.onOutput?.(output);
    });
    void exited.then((code) =>
      rej(new Error(`userauth exited (${code}) before listening:\n${output}`)),
    );
  });
  const cleanup = async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await cleanup();
    return child.exitCode;
  };

  try {
    const port = await portFound;
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    for (;;) {
      const status = await fetch(`${url}/health`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      if (child.exitCode !== null)
        throw new Error(`userauth exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`userauth /health not 200 in time:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const authorization = `Basic ${Buffer.from(`${apiUser}:${apiKey}`).toString('base64')}`;
    return {
      url,
      apiUser,
      apiKey,
      port,
      authorization,
      output: () => output,
      stop,
      async createUser(user) {
        const res = await fetch(`${url}/create-user`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify(user),
        });
        if (!res.ok)
          throw new Error(`create-user ${user.username}: ${res.status} ${await res.text()}`);
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
