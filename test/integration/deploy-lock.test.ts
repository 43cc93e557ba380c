/**
 * Issue 23, the deploy lock on the host: two operators — two notesctl processes with their own
 * state folders (so the local lock file cannot serialise them), each with its own copy of the
 * topology — deploy to one namespace host, each through its own delay proxy. One waits for the
 * other and then proceeds; a holder killed with SIGKILL in the middle of `down` is taken over
 * once its lease ran out (4 s here), naming it, and its stop in flight is finished first; a
 * holder whose SSH link is cut loses the lock when its lease runs out.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../bed/delay-proxy.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { spawn as nodeSpawn } from 'node:child_process';
import { cliArgv, runCli } from '../support/run-cli.ts';

const run = `dl${process.pid % 10000}`;
let host: TestHost;
let root: string;

/** One operator: a folder with the topology and a state folder, and the proxy it goes through. */
interface Operator {
  dir: string;
  env: Record<string, string>;
  proxy: DelayProxy;
}
const operators: Operator[] = [];

async function operator(name: string): Promise<Operator> {
  const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 10 });
  const dir = join(root, name);
  await mkdir(dir);
  const env = {
    HOME: dir,
    NOTESCTL_HOME: join(dir, 'state'),
    SSH_AUTH_SOCK: '',
    NOTESCTL_LOCK_LEASE_S: '4',
  };
  // `app` is ready 3 s after it starts and takes 6 s to stop (it ignores SIGTERM).
  await writeFile(
    join(dir, 'notesctl.config.yaml'),
    `project: ${run}
host: h1
hosts:
  h1: { ssh: 'root@127.0.0.1:${proxy.port}', identity: '${host.identityFile}' }
services:
  app:
    image: ${debianImage}
    command: ['sh', '-c', 'trap "" TERM; sleep 3; touch /tmp/ready; while :; do sleep 1; done']
    stop_grace_period: 6s
    healthcheck:
      test: ['CMD', 'test', '-f', '/tmp/ready']
      interval: 1s
      retries: 30
`,
  );
  const o = { dir, env, proxy };
  operators.push(o);
  return o;
}

function cli(o: Operator, args: string[]) {
  return runCli(['--accept-new-host-key', ...args], { cwd: o.dir, env: o.env, timeoutMs: 120_000 });
}

/**
 * Operator A's run, as from another machine: in a UTS namespace of its own named `operator-a`
 * (the lock records the holder's machine; a dead holder on this very machine is taken over at
 * once, one on another machine only when its lease runs out).
 */
function spawn(o: Operator, args: string[]) {
  const child = nodeSpawn(
    'unshare',
    [
      '--uts',
      'sh',
      '-c',
      'hostname operator-a && exec "$@"',
      'sh',
      process.execPath,
      ...cliArgv(['--accept-new-host-key', ...args], false),
    ],
    {
      cwd: o.dir,
      env: { ...process.env, NO_COLOR: '1', ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, stderr: () => stderr };
}

/** The lock's latest content on the host ('' when there is none). */
async function lockOnHost(): Promise<string> {
  const docker = { env: { DOCKER_HOST: `unix://${host.dockerSocket}` }, reject: false };
  const file = await execa(
    'docker',
    ['cp', `notesctl-lock-${run}:/notesctl/lock.json`, '-'],
    docker,
  );
  if (file.exitCode === 0) return file.stdout;
  const label = await execa(
    'docker',
    ['inspect', `notesctl-lock-${run}`, '--format', '{{index .Config.Labels "io.notesctl.lock"}}'],
    docker,
  );
  return label.exitCode === 0 ? label.stdout : '';
}

async function until(what: string, ms: number, probe: () => Promise<boolean> | boolean) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function appStates(): Promise<string[]> {
  const { stdout } = await execa(
    'docker',
    ['ps', '-a', '--filter', `label=io.notesctl.project=${run}`, '--format', '{{.State}}'],
    { env: { DOCKER_HOST: `unix://${host.dockerSocket}` } },
  );
  return stdout.split('\n').filter((s) => s !== '');
}

describe('the deploy lock on the host, between two operators', () => {
  let a: Operator;
  let b: Operator;
  beforeAll(async () => {
    host = await startHost(run);
    root = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    await execa('sh', [
      '-c',
      `docker save ${debianImage} | DOCKER_HOST=unix://${host.dockerSocket} docker load -q`,
    ]);
    a = await operator('a');
    b = await operator('b');
  }, 120_000);
  afterAll(async () => {
    if (operators[0]) await cli(operators[0], ['down']).catch(() => undefined);
    for (const o of operators) await o.proxy.close();
    await (host as TestHost | undefined)?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('makes the second operator wait for the first, then proceed', async () => {
    const first = spawn(a, ['up']);
    await until('a holds the lock', 30_000, async () => (await lockOnHost()).includes('"pid"'));
    const second = await cli(b, ['up']);
    expect(await first.exited).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/waiting for `notesctl up` \(\S+ on operator-a, pid \d+/);
    // (It recreates the app: a state folder of its own has its own secret-digest key.)
    expect(await appStates()).toEqual(['running']);
    expect(await lockOnHost()).toBe('');
  });

  it('takes over from a holder killed mid-down once its lease ran out, finishing its stop', async () => {
    const holder = spawn(a, ['down']);
    // Killed once the host's lock lists its stop (the engine carries it on for 6 s).
    await until('the stop is listed in the lock', 30_000, async () =>
      (await lockOnHost()).includes('stop-container'),
    );
    holder.child.kill('SIGKILL');
    await holder.exited;
    const next = await cli(b, ['up']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      /took over the deploy lock .* from `notesctl down` .*lease ran out/,
    );
    expect(next.stderr).toMatch(/finish stop container .* sent by an interrupted `notesctl down`/);
    // The stop landed before up looked: the app was started again, not left to be stopped.
    expect(next.stderr).toMatch(/start app/);
    await new Promise((r) => setTimeout(r, 7_000));
    expect(await appStates()).toEqual(['running']);
  });

  it('loses the lock of a holder whose link was cut when its lease runs out', async () => {
    const cut = spawn(a, ['up', '--force-recreate']);
    await until('a holds the lock', 30_000, async () => (await lockOnHost()).includes('"pid"'));
    await a.proxy.close();
    expect(await cut.exited).toBe(1);
    expect(cut.stderr()).toMatch(/h1/);
    // The lock stays on the host, held, until its lease runs out; then the other operator
    // takes it over (and finishes whatever the cut run left in flight).
    expect(await lockOnHost()).toContain(`"pid":${cut.child.pid}`);
    const next = await cli(b, ['up']);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      new RegExp(
        `took over the deploy lock .* from \`notesctl up\` \\(.*pid ${cut.child.pid}.*lease ran out`,
      ),
    );
    expect(await appStates()).toContain('running');
  });
});
