/**
 * Issue 23, a holder that loses the deploy lock stops at once: operator A's `up` waits for a
 * slow service on a namespace host; A is stalled (SIGSTOP, as a suspended laptop or a frozen CI
 * runner) past its lease; operator B — a state folder of its own — takes the lock over and
 * deploys. When A runs again, its next lease renewal finds the lock gone and A exits 1 at once,
 * naming B, instead of going on with its plan (before, it stopped only at its run's end); B's
 * deploy is left alone and finishes.
 */
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { runCli, spawnCli } from '../support/run-cli.ts';

const run = `dt${process.pid % 10000}`;
let host: TestHost;
let root: string;

/** One operator's folder (topology and state folder) and environment. */
async function operator(name: string): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = join(root, name);
  await mkdir(dir);
  // `slow` passes its health check 12 s after it starts.
  await writeFile(
    join(dir, 'notesctl.config.yaml'),
    `project: ${run}
host: h1
hosts:
  h1: { ssh: 'root@${host.address}', identity: '${host.identityFile}' }
services:
  slow:
    image: ${debianImage}
    command: ['sh', '-c', 'sleep 12; touch /tmp/ready; exec sleep infinity']
    stop_grace_period: 1s
    healthcheck:
      test: ['CMD', 'test', '-f', '/tmp/ready']
      interval: 1s
      retries: 60
`,
  );
  const env = {
    HOME: dir,
    NOTESCTL_HOME: join(dir, 'state'),
    SSH_AUTH_SOCK: '',
    NOTESCTL_LOCK_LEASE_S: '3',
  };
  return { dir, env };
}

const onHost = () => ({ env: { DOCKER_HOST: `unix://${host.dockerSocket}` }, reject: false });

async function until(what: string, ms: number, probe: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a holder whose lock was taken over while it was stalled', () => {
  beforeAll(async () => {
    host = await startHost(run);
    root = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    await execa('sh', [
      '-c',
      `docker save ${debianImage} | DOCKER_HOST=unix://${host.dockerSocket} docker load -q`,
    ]);
  }, 120_000);
  afterAll(async () => {
    await (host as TestHost | undefined)?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('stops at its next renewal, naming the new holder, and leaves its deploy alone', async () => {
    const a = await operator('a');
    const b = await operator('b');
    const first = spawnCli(['--accept-new-host-key', 'up'], { cwd: a.dir, env: a.env });
    let aErr = '';
    first.stderr.on('data', (c: Buffer) => (aErr += c.toString()));
    const aExit = new Promise<number | null>((r) => first.on('close', (code) => r(code)));
    // A is waiting for `slow` to pass its check (12 s): stall it there, past its 3 s lease.
    await until('A waits for slow', 60_000, () => aErr.includes('slow'));
    await until('A started slow', 30_000, async () => {
      const ps = await execa(
        'docker',
        ['ps', '-q', '--filter', `label=io.notesctl.service=slow`],
        onHost(),
      );
      return ps.stdout.trim() !== '';
    });
    first.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 4_000));
    const second = spawnCli(['--accept-new-host-key', 'up'], { cwd: b.dir, env: b.env });
    let bErr = '';
    second.stderr.on('data', (c: Buffer) => (bErr += c.toString()));
    const bExit = new Promise<number | null>((r) => second.on('close', (code) => r(code)));
    await until('B took the lock over', 30_000, () => bErr.includes('took over'));
    expect(bErr).toMatch(/took over the deploy lock .* from `notesctl up` .*its lease ran out/);
    // A runs again while B deploys: it must stop at once, not wait out its plan (~8 s more).
    const resumed = Date.now();
    first.kill('SIGCONT');
    const aCode = await aExit;
    const stoppedMs = Date.now() - resumed;
    console.log(
      `A stopped ${stoppedMs} ms after it resumed:\n${aErr.trim().split('\n').slice(-3).join('\n')}`,
    );
    expect(aCode, aErr).toBe(1);
    expect(aErr).toMatch(
      /ERROR \(RuntimeError\) lost the deploy lock \(container notesctl-lock-\S+ on h1\): .* now held by `notesctl up` .*stopped this run before it changed more/,
    );
    expect(stoppedMs).toBeLessThan(4_000);
    // B is not disturbed: it finishes, its lock is gone, and one healthy `slow` runs.
    expect(await bExit, bErr).toBe(0);
    // (notesctl ran the check itself; the engine's own status follows within its interval.)
    let lines: string[] = [];
    await until('one healthy slow', 10_000, async () => {
      const ps = await execa(
        'docker',
        ['ps', '-a', '--filter', `label=io.notesctl.project=${run}`, '--format', '{{.Status}}'],
        onHost(),
      );
      lines = ps.stdout.split('\n').filter((l) => l !== '');
      return lines.length === 1 && /\(healthy\)/.test(lines[0] ?? '');
    });
    const down = await runCli(['--accept-new-host-key', 'down'], { cwd: b.dir, env: b.env });
    expect(down.code, down.stderr).toBe(0);
  }, 180_000);
});
