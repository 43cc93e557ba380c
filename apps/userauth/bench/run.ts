/**
 * Benchmark (issue 3): the service in production mode on a real MariaDB with 1,000 users,
 * driven by wrk on loopback. Reports req/s, p50 and p99 for GET /find/:username and
 * POST /passwordCheck (plus GET /health as the one-query ceiling), with request logs going to a
 * file and to /dev/null, and the scrypt cost with its measured ms per hash.
 *
 *   node apps/userauth/bench/run.ts            # or: npm run bench (in apps/userauth)
 *   BENCH_DURATION=20 BENCH_USERS=1000 BENCH_ONLY=/find node apps/userauth/bench/run.ts
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort, startMariaDb } from '../../../test/bed/mariadb.ts';
import { DEFAULT_SCRYPT_LOG_N, hashPassword, scryptParams } from '../src/password.ts';

const run = promisify(execFile);
const HERE = import.meta.dirname;
const SERVER = resolve(HERE, '../src/server.ts');
const USERS = Number(process.env.BENCH_USERS ?? 1000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const PASSWORD = 'bench-password';
/** Substrings of endpoint names to run (comma-separated), e.g. BENCH_ONLY=/find */
const ONLY = (process.env.BENCH_ONLY ?? 'GET,POST').split(',');

interface WrkResult {
  name: string;
  /** CPU time of the service process per request: robust against a busy machine. */
  cpuMsPerRequest: number;
  logs: string;
  connections: number;
  rps: number;
  p50: string;
  p99: string;
  errors: number;
  requests: number;
}

/** Run wrk with a Lua script and parse req/s, latency percentiles and non-2xx counts. */
async function wrk(url: string, script: string, connections: number, env: Record<string, string>) {
  const { stdout } = await run(
    'wrk',
    [
      '-t2',
      `-c${connections}`,
      `-d${DURATION}s`,
      '--latency',
      '--timeout',
      '10s',
      '-s',
      join(HERE, script),
      url,
    ],
    { env: { ...process.env, ...env }, timeout: (DURATION + 30) * 1000 },
  );
  const pick = (re: RegExp) => re.exec(stdout)?.[1] ?? '?';
  const non2xx = Number(pick(/Non-2xx or 3xx responses: (\d+)/).replace('?', '0'));
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const errors =
    non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return {
    rps: Number(pick(/Requests\/sec:\s+([\d.]+)/)),
    p50: pick(/^\s+50%\s+(\S+)/m),
    p99: pick(/^\s+99%\s+(\S+)/m),
    requests: Number(pick(/(\d+) requests in/)),
    errors,
  };
}

async function measureHash(): Promise<number> {
  await hashPassword('warm-up');
  const n = 20;
  const start = performance.now();
  for (let i = 0; i < n; i++) await hashPassword(`pw-${i}`);
  return (performance.now() - start) / n;
}

async function startService(databaseUrl: string, apiKey: string, logFile: string | null) {
  const port = await freePort();
  const out = logFile ? await open(logFile, 'w') : null;
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      USERAUTH_API_KEY: apiKey,
    },
    stdio: ['ignore', out ? out.fd : 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (
    (await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error('service did not become healthy');
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpuMs = async () => {
    // /proc/PID/stat fields 14 and 15: utime and stime in clock ticks (100 Hz on Linux).
    const fields =
      (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await out?.close();
  };
  return { url, stop, cpuMs };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'userauth-bench-'));
  const mariadb = await startMariaDb();
  const results: WrkResult[] = [];
  try {
    const { url: databaseUrl } = await mariadb.createDatabase('userauth_bench');
    const apiKey = randomBytes(18).toString('base64url');
    const auth = `Basic ${Buffer.from(`them:${apiKey}`).toString('base64')}`;
    const msPerHash = await measureHash();

    for (const logs of ['file', '/dev/null'] as const) {
      const logFile = logs === 'file' ? join(dir, 'requests.log') : null;
      const service = await startService(databaseUrl, apiKey, logFile);
      try {
        if (results.length === 0) {
          // Seed through SQL with one real hash: the cost of a check does not depend on the row.
          const hash = await hashPassword(PASSWORD);
          const now = new Date().toISOString().slice(0, 19).replace('T', ' ');
          const rows = Array.from({ length: USERS }, (_, i) => {
            const name = `user${String(i + 1).padStart(4, '0')}`;
            return `('${name}','${name}','${hash}','local','Bench','User ${i + 1}','','["${name}@bench.test"]','[]','${now}','${now}')`;
          });
          // Batches: one command-line argument must stay under the kernel's 128 KiB limit.
          for (let i = 0; i < rows.length; i += 200) {
            await mariadb.sql(
              'INSERT INTO userauth_bench.users (username, username_key, password_hash, provider, family_name,' +
                ` given_name, middle_name, emails, photos, created_at, updated_at) VALUES ${rows.slice(i, i + 200).join(',')}`,
            );
          }
        }
        const env = { BENCH_AUTH: auth, BENCH_USERS: String(USERS), BENCH_PASSWORD: PASSWORD };
        const plan: [string, string, number][] = [
          ['GET /health', 'health.lua', 32],
          ['GET /find/:username', 'find.lua', 32],
          ['POST /passwordCheck', 'password-check.lua', 8],
        ];
        for (const [name, script, connections] of plan.filter(([n]) =>
          ONLY.some((o) => n.includes(o)),
        )) {
          const cpuBefore = await service.cpuMs();
          const r = await wrk(service.url, script, connections, env);
          const cpuMsPerRequest = (
            ((await service.cpuMs()) - cpuBefore) /
            Math.max(r.requests, 1)
          ).toFixed(3);
          results.push({ name, logs, connections, cpuMsPerRequest: Number(cpuMsPerRequest), ...r });
          process.stderr.write(
            `${name} (logs: ${logs}): ${r.rps} req/s, p50 ${r.p50}, p99 ${r.p99}, errors ${r.errors}\n`,
          );
        }
      } finally {
        await service.stop();
      }
      if (logFile) process.stderr.write(`request log: ${(await stat(logFile)).size} bytes\n`);
    }

    const p = scryptParams();
    const [load1] = (await readFile('/proc/loadavg', 'utf8')).split(' ');
    console.log(
      `\nuserauth benchmark — ${USERS} users on MariaDB (loopback), wrk -t2, ${DURATION}s per run; load average ${load1 ?? '?'} on ${availableParallelism()} cores`,
    );
    console.log(
      `scrypt: N=2^${DEFAULT_SCRYPT_LOG_N} r=${p.r} p=${p.p} (${(128 * 2 ** p.logN * p.r) / 2 ** 20} MiB), ${msPerHash.toFixed(1)} ms per hash\n`,
    );
    console.log(
      'endpoint               logs       conns   req/s      p50        p99        errors',
    );
    for (const r of results) {
      console.log(
        `${r.name.padEnd(22)} ${r.logs.padEnd(10)} ${String(r.connections).padEnd(7)} ${r.rps.toFixed(0).padEnd(10)} ${r.p50.padEnd(10)} ${r.p99.padEnd(10)} ${String(r.errors).padEnd(7)} ${r.cpuMsPerRequest}`,
      );
    }
    const find = results.filter((r) => r.name.startsWith('GET /find'));
    const best = Math.max(...find.map((r) => r.rps));
    console.log(
      `\nGET /find target >= 3000 req/s: ${best >= 3000 ? 'met' : 'NOT met'} (best ${best.toFixed(0)})`,
    );
    console.log(
      JSON.stringify({ scrypt: { ...p, msPerHash: Number(msPerHash.toFixed(1)) }, results }),
    );
  } finally {
    await mariadb.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
