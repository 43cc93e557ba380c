/**
 * Issue 23, a backup killed while it copies a volume: notesctl pauses the containers that mount
 * the volume during the copy, and a SIGKILL leaves them paused. The copy's helper container on
 * the host records what it paused; the next command that takes the deploy lock (`up`) or backs
 * the volume up thaws them first, and removes the helper. On a namespace host over SSH, with a
 * real SIGKILL in the middle of a ~150 MB copy.
 */
import { execa } from 'execa';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { runCli, spawnCli } from '../support/run-cli.ts';

const run = `bk${process.pid % 10000}`;
let host: TestHost;
let dir: string;
let env: Record<string, string>;

const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: 300_000 });
const docker = (args: string[]) =>
  execa('docker', args, { env: { DOCKER_HOST: `unix://${host.dockerSocket}` }, reject: false });

async function filesContainer(): Promise<string> {
  const filter = [`label=io.notesctl.project=${run}`, 'label=io.notesctl.service=files'];
  const { stdout } = await docker(['ps', '-aq', ...filter.flatMap((f) => ['--filter', f])]);
  return stdout.trim();
}

/** `paused`, `running`, … of the files service's container. */
async function filesState(): Promise<string> {
  return (await docker(['inspect', '-f', '{{.State.Status}}', await filesContainer()])).stdout;
}

const helperExists = async () =>
  (await docker(['inspect', '-f', '{{.Id}}', `${run}-backup-uploads`])).exitCode === 0;

async function until(what: string, ms: number, probe: () => Promise<boolean>) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Start `backup files` and SIGKILL it while it copies (the files service paused). */
async function killBackupMidCopy(): Promise<number> {
  const backup = spawnCli(['backup', 'files'], { cwd: dir, env });
  const exited = new Promise((r) => backup.on('close', r));
  await until('the copy pauses files', 60_000, async () => (await filesState()) === 'paused');
  backup.kill('SIGKILL');
  await exited;
  return backup.pid ?? 0;
}

async function ticks(): Promise<number> {
  const r = await docker(['exec', await filesContainer(), 'sh', '-c', 'wc -l < /data/ticks']);
  return Number(r.stdout);
}

describe('a backup killed in the middle of a volume copy', () => {
  beforeAll(async () => {
    host = await startHost(run);
    dir = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    // A 3 s lease: the copy (~7 s) renews it in the helper while it reads the volume.
    env = {
      HOME: dir,
      NOTESCTL_HOME: join(dir, 'state'),
      SSH_AUTH_SOCK: '',
      NOTESCTL_LOCK_LEASE_S: '3',
    };
    await execa('sh', [
      '-c',
      `docker save ${debianImage} | DOCKER_HOST=unix://${host.dockerSocket} docker load -q`,
    ]);
    await writeFile(
      join(dir, 'notesctl.config.yaml'),
      `project: ${run}
host: h1
hosts:
  h1: { ssh: 'root@${host.address}', identity: '${host.identityFile}' }
volumes:
  uploads: {}
services:
  files:
    image: ${debianImage}
    command: ['sh', '-c', 'touch /data/ticks; while :; do date >> /data/ticks; sleep 0.2; done']
    volumes: ['uploads:/data']
`,
    );
    const up = await cli(['--accept-new-host-key', 'up']);
    expect(up.code, up.stderr).toBe(0);
    // ~150 MB that gzip cannot shrink: the copy takes seconds.
    const big = 'head -c 150000000 /dev/urandom > /data/big';
    expect((await docker(['exec', await filesContainer(), 'sh', '-c', big])).exitCode).toBe(0);
  }, 300_000);
  afterAll(async () => {
    if (dir) await cli(['down', '--volumes', '--yes']).catch(() => undefined);
    await (host as TestHost | undefined)?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is thawed by the next up, which removes the record', async () => {
    const pid = await killBackupMidCopy();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await filesState()).toBe('paused');
    expect(await helperExists()).toBe(true);
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    console.log(up.stderr);
    expect(up.stderr).toMatch(
      new RegExp(`unpause ${run}-files-\\w+, paused by \`notesctl backup\` \\(pid ${pid} on `),
    );
    expect(await filesState()).toBe('running');
    expect(await helperExists()).toBe(false);
    const before = await ticks();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ticks()).toBeGreaterThan(before);
  });

  it('is thawed by the next backup, which then copies the volume', async () => {
    const pid = await killBackupMidCopy();
    expect(await filesState()).toBe('paused');
    const backup = await cli(['backup', 'files']);
    expect(backup.code, backup.stderr).toBe(0);
    console.log(backup.stderr);
    expect(backup.stderr).toMatch(
      new RegExp(`unpause .*paused by \`notesctl backup\` \\(pid ${pid} `),
    );
    expect(backup.stderr).toMatch(/files paused/);
    expect(await filesState()).toBe('running');
    expect(await helperExists()).toBe(false);
  });
});
