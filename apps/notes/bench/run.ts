/**
 * Benchmark (issue 4): the compiled app in production mode against a real MariaDB holding 100
 * notes, with a real userauth for the login. wrk (Debian's package) measures req/s and p99 for
 * `GET /` and `GET /notes/view?key=…`, anonymous and logged in (session cookie header).
 *
 *   node apps/notes/bench/run.ts [--duration 10] [--connections 32] [--threads 1] [--json]
 *
 * Target: GET / ≥ 2,500 req/s with p99 < 50 ms on the 2-core machine. Only loopback traffic;
 * every run is bounded in time and stops what it started.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { freePort, startMariaDb, type MariaDb } from '../../../test/bed/mariadb.ts';
import { startUserauth, type Userauth } from '../../../test/bed/userauth.ts';
import { Client } from '../test/helpers/client.ts';

const run = promisify(execFile);
const APP_DIR = fileURLToPath(new URL('../', import.meta.url));
const TARGET = { rps: 2_500, p99Ms: 50 };

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});

/** One wrk measurement. */
interface Result {
  name: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** CPU time the app process spent per request: comparable even when the machine is busy. */
  cpuUsPerRequest: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process, in microseconds (Linux /proc). */
async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

async function wrk(pid: number, name: string, url: string, cookie?: string): Promise<Result> {
  const args = [
    '-t',
    flags.threads,
    '-c',
    flags.connections,
    '-d',
    `${flags.duration}s`,
    '--latency',
    '--timeout',
    '5s',
  ];
  if (cookie) args.push('-H', `Cookie: ${cookie}`);
  const cpuBefore = await cpuMicros(pid);
  const { stdout } = await run('wrk', [...args, url], {
    timeout: (Number(flags.duration) + 30) * 1000,
  });
  const cpuUsed = (await cpuMicros(pid)) - cpuBefore;
  const total = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? Number.NaN);
  const latency = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(stdout);
    return m ? toMs(m[1] ?? '0', m[2] ?? 'ms') : Number.NaN;
  };
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    stdout,
  );
  const errors =
    non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  return {
    name,
    rps,
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors,
    cpuUsPerRequest: cpuUsed / total,
  };
}

async function waitHealthy(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await fetch(`${url}/health`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`notes did not become healthy:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  let mariadb: MariaDb | undefined;
  let userauth: Userauth | undefined;
  let app: ChildProcess | undefined;
  try {
    console.error('building dist/ …');
    await run(process.execPath, ['build.ts'], { cwd: APP_DIR });
    [mariadb, userauth] = await Promise.all([startMariaDb(), startUserauth()]);
    await userauth.createUser({
      username: 'bench',
      password: 'bench-password-1',
      givenName: 'Bench',
      familyName: 'Mark',
    });
    const db = await mariadb.createDatabase(`notes_bench_${randomBytes(3).toString('hex')}`);
    const port = await freePort();
    let output = '';
    app = spawn(process.execPath, ['dist/server.js'], {
      cwd: APP_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: db.url,
        USER_SERVICE_URL: userauth.url,
        USERAUTH_API_KEY: userauth.apiKey,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    app.stdout?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    app.stderr?.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
    const url = `http://127.0.0.1:${port}`;
    await waitHealthy(url, app, () => output);

    console.error('seeding 100 notes …');
    const client = new Client(url);
    if ((await client.login('bench', 'bench-password-1')).status !== 302)
      throw new Error('bench login failed');
    await client.get('/notes/add');
    for (let i = 1; i <= 100; i++) {
      const key = `note-${String(i).padStart(3, '0')}`;
      const body = `Body of note ${i}. `.repeat(20);
      const saved = await client.post('/notes/save', {
        docreate: 'create',
        notekey: key,
        title: `Benchmark note ${i}`,
        body,
      });
      if (saved.status !== 302) throw new Error(`seeding ${key}: HTTP ${saved.status}`);
    }
    for (let i = 1; i <= 5; i++)
      await client.post('/notes/make-comment', { notekey: 'note-050', message: `Comment ${i}` });
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const viewUrl = `${url}/notes/view?key=note-050`;
    const loggedInPage = await fetch(`${url}/`, { headers: { cookie } }).then((r) => r.text());
    if (!loggedInPage.includes('Log out')) throw new Error('the cookie does not log in');

    console.error(
      `wrk: ${flags.threads} thread(s), ${flags.connections} connections, ${flags.duration}s per run (after a 2 s warm-up)`,
    );
    await run('wrk', ['-t', '1', '-c', '8', '-d', '2s', `${url}/`]);
    const pid = app.pid ?? 0;
    const results = [
      await wrk(pid, 'GET / (anonymous)', `${url}/`),
      await wrk(pid, 'GET / (logged in)', `${url}/`, cookie),
      await wrk(pid, 'GET /notes/view (anonymous)', viewUrl),
      await wrk(pid, 'GET /notes/view (logged in)', viewUrl, cookie),
    ];
    const load = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
    if (flags.json) {
      console.log(JSON.stringify({ target: TARGET, loadAverage: load, results }, null, 2));
    } else {
      console.log('| request | req/s | p50 ms | p99 ms | errors | app CPU µs/req |');
      console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
      for (const r of results) {
        const cells = [
          r.name,
          r.rps.toFixed(0),
          r.p50Ms.toFixed(2),
          r.p99Ms.toFixed(2),
          r.errors,
          r.cpuUsPerRequest.toFixed(0),
        ];
        console.log(`| ${cells.join(' | ')} |`);
      }
      console.log(
        `\nload average after the runs: ${load} (2 cores; other work on the machine lowers req/s)`,
      );
      const home = results.slice(0, 2);
      const met = home.every((r) => r.rps >= TARGET.rps && r.p99Ms < TARGET.p99Ms);
      console.log(
        `\ntarget GET / ≥ ${TARGET.rps} req/s with p99 < ${TARGET.p99Ms} ms: ${met ? 'met' : 'NOT met'}`,
      );
    }
  } finally {
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app?.once('exit', r));
      app.kill('SIGTERM');
      await exited;
    }
    await Promise.all([userauth?.stop(), mariadb?.stop()]);
  }
}

await main();
