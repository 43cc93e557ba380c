/**
 * Issue 23, `notesctl hosts env NAME`: the docker CLI pointed at a namespace host (behind a delay
 * proxy that counts SSH connections) through the socket notesctl serves. `docker ps`, `docker
 * run --rm`, `docker exec` and `docker-compose` work through it; after the first `hosts env`,
 * no docker command opens an SSH connection of its own (all ride on the one held by the
 * background process); the socket is 0600 in a 0700 folder; bash/zsh/fish and --unset print what
 * each shell needs; the process stops after the idle time; an unknown host key is refused
 * without a terminal unless --accept-new-host-key.
 */
import { execa } from 'execa';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../bed/delay-proxy.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { terminate } from '../bed/procs.ts';
import { runCli } from '../support/run-cli.ts';

const run = `he${process.pid % 10000}`;
let host: TestHost;
let proxy: DelayProxy;
let dir: string;
let env: Record<string, string>;

const cli = (args: string[]) => runCli(args, { cwd: dir, env });

/** The background processes of this test's state folder (by their command line's socket path). */
async function daemons(): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (argv.includes('mux-daemon') && argv.includes(join(dir, 'state', 'env')))
      found.push(Number(pid));
  }
  return found;
}

/** Run the docker CLI through `socket`. */
const docker = (socket: string, args: string[]) =>
  execa('docker', args, { env: { DOCKER_HOST: `unix://${socket}` }, cwd: dir });

describe('hosts env: your own docker commands over one SSH connection', () => {
  beforeAll(async () => {
    host = await startHost(run);
    proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 10 });
    dir = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    env = { HOME: dir, NOTESCTL_HOME: join(dir, 'state'), SSH_AUTH_SOCK: '' };
    await execa('sh', [
      '-c',
      `docker save ${debianImage} | DOCKER_HOST=unix://${host.dockerSocket} docker load -q`,
    ]);
    await writeFile(
      join(dir, 'notesctl.config.yaml'),
      `project: ${run}\nhosts:\n  h1: { ssh: 'root@127.0.0.1:${proxy.port}', identity: '${host.identityFile}' }\nservices:\n  app: { image: '${debianImage}', host: h1 }\n`,
    );
  }, 120_000);
  afterAll(async () => {
    // The background processes this test started (found by their socket, by pid).
    await terminate(await daemons(), 5000);
    await proxy.close();
    await host.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an unknown host key without a terminal, naming the flag', async () => {
    const refused = await cli(['hosts', 'env', 'h1', '--shell', 'bash']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/--accept-new-host-key/);
    expect(await readdir(join(dir, 'state', 'env')).catch(() => [])).toEqual([]);
  });

  it('serves docker over one SSH connection, opened once, from a private socket', async () => {
    proxy.resetStats();
    const printed = await cli(['--accept-new-host-key', 'hosts', 'env', 'h1', '--shell', 'bash']);
    expect(printed.code, printed.stderr).toBe(0);
    const match = /^export DOCKER_HOST="unix:\/\/(.+)"$/m.exec(printed.stdout);
    expect(match).not.toBeNull();
    const socket = match?.[1] ?? '';
    expect(printed.stdout).toContain('# eval "$(notesctl hosts env h1 --shell bash)"');
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(socket))).mode & 0o777).toBe(0o700);
    const afterEnv = proxy.stats.connections; // the host-key check, and the background one
    expect(afterEnv).toBe(2);

    const ps = await docker(socket, ['ps', '--format', '{{.Names}}']);
    expect(ps.exitCode).toBe(0);
    const ran = await docker(socket, ['run', '--rm', debianImage, 'sh', '-c', 'echo ran there']);
    expect(ran.stdout).toBe('ran there');
    const started = await docker(socket, [
      'run',
      '-d',
      '--name',
      `${run}-c`,
      debianImage,
      'sleep',
      '100',
    ]);
    expect(started.exitCode).toBe(0);
    const piped = await execa('docker', ['exec', '-i', `${run}-c`, 'wc', '-c'], {
      env: { DOCKER_HOST: `unix://${socket}` },
      input: 'x'.repeat(100_000),
    });
    expect(piped.stdout.trim()).toBe('100000');
    // The container runs on h1, not here.
    const there = await execa('docker', ['ps', '--format', '{{.Names}}'], {
      env: { DOCKER_HOST: `unix://${host.dockerSocket}` },
    });
    expect(there.stdout.split('\n')).toContain(`${run}-c`);
    await docker(socket, ['rm', '-f', `${run}-c`]);
    // docker-compose (1.29, Python) through the same socket.
    await writeFile(
      join(dir, 'docker-compose.yml'),
      `version: "3.7"\nservices:\n  web:\n    image: ${debianImage}\n    command: ["sleep", "100"]\n`,
    );
    const up = await execa('docker-compose', ['-p', run, 'up', '-d'], {
      cwd: dir,
      env: { DOCKER_HOST: `unix://${socket}` },
    });
    expect(up.exitCode).toBe(0);
    const composePs = await execa('docker-compose', ['-p', run, 'ps', '-q'], {
      cwd: dir,
      env: { DOCKER_HOST: `unix://${socket}` },
    });
    expect(composePs.stdout.trim()).not.toBe('');
    await execa('docker-compose', ['-p', run, 'down', '-t', '0'], {
      cwd: dir,
      env: { DOCKER_HOST: `unix://${socket}` },
    });
    // Not one SSH login more for all of that.
    expect(proxy.stats.connections).toBe(afterEnv);
    // A second `hosts env` finds the connection up and opens none.
    const again = await cli(['hosts', 'env', 'h1', '--shell', 'fish']);
    expect(again.stdout).toContain(`set -gx DOCKER_HOST "unix://${socket}";`);
    expect(again.stdout).toContain('# eval (notesctl hosts env h1 --shell fish)');
    expect(proxy.stats.connections).toBe(afterEnv);
  });

  it('prints the unset form for each shell, and refuses an unknown shell', async () => {
    expect((await cli(['hosts', 'env', 'h1', '--unset', '--shell', 'zsh'])).stdout.trim()).toBe(
      'unset DOCKER_HOST',
    );
    expect((await cli(['hosts', 'env', 'h1', '--unset', '--shell', 'fish'])).stdout.trim()).toBe(
      'set -e DOCKER_HOST;',
    );
    const bad = await cli(['hosts', 'env', 'h1', '--shell', 'tcsh']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shell tcsh');
  });

  it('stops the connection after the idle time', async () => {
    await terminate(await daemons(), 5000);
    const printed = await cli(['hosts', 'env', 'h1', '--shell', 'bash', '--idle', '1']);
    const socket = /unix:\/\/(.+)"/.exec(printed.stdout)?.[1] ?? '';
    expect((await stat(socket)).isSocket()).toBe(true);
    expect(await daemons()).toHaveLength(1);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await daemons()).length > 0) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await daemons()).toEqual([]);
    await expect(stat(socket)).rejects.toThrow(/ENOENT/);
  });
});
