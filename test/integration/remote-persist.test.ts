// Opt-in persistent SSH connections (NOTESCTL_SSH_PERSIST, like ControlPersist): after the first
// command, later ones reach the remote engine through the background process's private socket
// without opening an SSH connection; the process goes away after the idle time. Runs the built
// CLI: the background process is dist/mux-daemon.js, which only the bundle has.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../bed/delay-proxy.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { isRunning, terminate } from '../bed/procs.ts';
import { assertBuiltCli, runCli } from '../support/run-cli.ts';

const run = `rp${process.pid}`;
const daemonFile = resolve(import.meta.dirname, '..', '..', 'dist', 'mux-daemon.js');

/** Processes whose command line mentions `text` (this test's own temp folder: only its daemons). */
function processesMentioning(text: string): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (argv.some((arg) => arg.includes(text))) found.push({ pid: Number(name), argv });
  }
  return found;
}

async function until(what: string, ms: number, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

describe('persistent SSH connections', () => {
  let host: TestHost;
  let proxy: DelayProxy;
  let dir: string;
  let file: string;
  let env: Record<string, string>;
  const muxDir = () => join(dir, 'state', 'mux');
  const sockets = () => (existsSync(muxDir()) ? readdirSync(muxDir()) : []);

  const daemons = () => processesMentioning(muxDir()).filter((p) => isRunning(p.pid));

  beforeAll(async () => {
    assertBuiltCli();
    host = await startHost(`${run}a`);
    proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 0 });
    dir = mkdtempSync(join(tmpdir(), `${run}-`));
    env = {
      HOME: dir,
      NOTESCTL_HOME: join(dir, 'state'),
      SSH_AUTH_SOCK: '',
      NOTESCTL_SSH_PERSIST: '8',
    };
    file = join(dir, 'notesctl.config.yaml');
    writeFileSync(
      file,
      [
        `project: ${run}p`,
        'hosts:',
        '  web1:',
        `    ssh: root@127.0.0.1:${proxy.port}`,
        `    identity: ${host.identityFile}`,
        'services:',
        '  app:',
        `    image: ${debianImage}`,
        '    host: web1',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    // A failed run may leave its background process behind: stop it (found by this test's socket
    // folder, never by name: other runs' daemons may be alive on this machine).
    if ((dir as string | undefined) !== undefined) {
      await terminate(
        daemons().map((p) => p.pid),
        5000,
      );
      rmSync(dir, { recursive: true, force: true });
    }
    await (proxy as DelayProxy | undefined)?.close();
    await (host as TestHost | undefined)?.stop();
  });

  it('reuses one background connection and closes it when idle', async () => {
    const first = await runCli(['-f', file, '--accept-new-host-key', '--json', 'ps'], {
      env,
      cwd: dir,
      built: true,
    });
    expect(first.code, first.stderr).toBe(0);
    await until('the background connection', 15_000, () => sockets().length === 1);
    const socket = join(muxDir(), sockets()[0] ?? '');
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(muxDir()).mode & 0o777).toBe(0o700);
    // The background process is the bundle's own daemon, and there is exactly one.
    const [daemon, ...others] = daemons();
    expect(others).toEqual([]);
    expect(daemon?.argv[1]).toBe(daemonFile);
    await until(
      'the first command to close its own connection',
      10_000,
      () => proxy.stats.active === 1,
    );

    proxy.resetStats();
    for (let i = 0; i < 2; i++) {
      const again = await runCli(['-f', file, '--json', 'ps'], { env, cwd: dir, built: true });
      expect(again.code, again.stderr).toBe(0);
      expect(JSON.parse(again.stdout)).toEqual([
        expect.objectContaining({ service: 'app', host: 'web1' }),
      ]);
    }
    // plan makes several engine requests at once (containers, networks, volumes, the image).
    const plan = await runCli(['-f', file, '--json', 'plan'], { env, cwd: dir, built: true });
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toEqual([
      expect.objectContaining({ project: `${run}p`, host: 'web1' }),
    ]);
    // No new SSH connection: everything went over the background process's one, still open.
    expect(proxy.stats.connections).toBe(0);
    expect(proxy.stats.active).toBe(1);
    expect(proxy.stats.bytesToTarget).toBeGreaterThan(0);

    // 8 s without a client: the process ends, its socket and SSH connection with it.
    await until('the idle timeout', 30_000, () => sockets().length === 0);
    await until('the background process to exit', 10_000, () => daemons().length === 0);
    await until('its SSH connection to close', 10_000, () => proxy.stats.active === 0);
    // …and its SSH session on the host has ended too: every login logged a disconnect.
    const log = join(host.identityFile, '..', '..', 'log', 'sshd.log');
    const count = (text: string) => readFileSync(log, 'utf8').split(text).length - 1;
    expect(count('Accepted publickey')).toBe(2); // the first command's and the background one
    await until('the disconnect', 10_000, () => count('Received disconnect') === 2);
  });
});
