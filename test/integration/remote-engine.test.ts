// Remote engines over SSH (issue 6), against namespace test hosts: `up`, `ps`, `exec`, `logs`
// through the CLI open exactly one SSH connection each (counted by the delay proxy in front of
// sshd); image streams of tens of MB go through the channels; a host whose sshd refuses socket
// forwarding is reached through `docker system dial-stdio`; a link that goes silent mid
// `logs -f` ends the command with an error naming the host within 30 s.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLocalEngine } from '../../src/engine/connect.ts';
import { DockerEngine } from '../../src/engine/docker-engine.ts';
import { connectSsh } from '../../src/engine/ssh/connect.ts';
import type { SshEndpoint } from '../../src/model/topology.ts';
import { openSshTransport } from '../../src/engine/ssh/transport.ts';
import { startDelayProxy, type DelayProxy } from '../bed/delay-proxy.ts';
import { listHosts, startHost, type TestHost } from '../bed/hosts.ts';
import { netnsPath } from '../bed/host-net.ts';
import { debianImage } from '../bed/images.ts';
import { commandName, processesInNamespace } from '../bed/procs.ts';
import { runCli, spawnCli } from '../support/run-cli.ts';

const run = `re${process.pid}`;
const project = `${run}p`;

interface Bed {
  host: TestHost;
  proxy: DelayProxy;
  dir: string;
  env: Record<string, string | undefined>;
  file: string;
}

/** A temp NOTESCTL_HOME/HOME and a topology placing one service on `web1` (through the proxy). */
function makeBed(host: TestHost, proxy: DelayProxy): Bed {
  const dir = mkdtempSync(join(tmpdir(), `${run}-`));
  const file = join(dir, 'notesctl.config.yaml');
  writeFileSync(
    file,
    [
      `project: ${project}`,
      'hosts:',
      '  web1:',
      `    ssh: root@127.0.0.1:${proxy.port}`,
      `    identity: ${host.identityFile}`,
      'services:',
      '  app:',
      `    image: ${debianImage}`,
      `    command: ['sh', '-c', 'echo hello-from-app; while true; do echo tick; sleep 1; done']`,
      '    host: web1',
      '',
    ].join('\n'),
  );
  // Known host key up front: this file is about the transport, not first contact.
  const state = join(dir, 'state');
  const env = { HOME: dir, NOTESCTL_HOME: state, SSH_AUTH_SOCK: '', NOTESCTL_HOST: undefined };
  return { host, proxy, dir, env, file };
}

async function trust(bed: Bed): Promise<void> {
  const result = await cli(bed, ['--accept-new-host-key', 'ps']);
  expect(result.code, result.stderr).toBe(0);
}

function cli(bed: Bed, args: string[]) {
  return runCli(['-f', bed.file, ...args], { env: bed.env, cwd: bed.dir, timeoutMs: 120_000 });
}

/** The test host `web1` as an SSH endpoint (through the proxy), logging in with `identity`. */
function web1(bed: Bed, identity: string): SshEndpoint {
  return {
    name: 'web1',
    user: 'root',
    hostname: '127.0.0.1',
    port: bed.proxy.port,
    identity,
    socket: '/run/docker.sock',
  };
}

/** How the tests connect: the bed's state folder and its known_hosts, no prompts. */
function sshOptions(bed: Bed, acceptNew: boolean) {
  return {
    env: bed.env,
    passphrase: undefined,
    hostKeys: {
      files: { own: join(bed.env.NOTESCTL_HOME ?? '', 'known_hosts'), operator: '/nonexistent' },
      acceptNew,
      ask: undefined,
      note: () => undefined,
    },
  };
}

/** Copy the Debian stand-in into the host's own (empty) engine through the SSH transport. */
async function loadImageOnto(bed: Bed): Promise<{ ms: number; mode: string | undefined }> {
  const local = connectLocalEngine();
  const { transport, agent } = await openSshTransport(
    web1(bed, bed.host.identityFile),
    sshOptions(bed, true),
  );
  const remote = new DockerEngine('web1', transport);
  const started = Date.now();
  try {
    await remote.loadImages(await local.saveImages([debianImage]));
    expect(await remote.inspectImage(debianImage)).toBeDefined();
    return { ms: Date.now() - started, mode: agent.mode };
  } finally {
    await remote.close();
    await local.close();
  }
}

describe('remote engine over one SSH connection', () => {
  let bed: Bed;

  beforeAll(async () => {
    const host = await startHost(`${run}a`);
    const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 0 });
    bed = makeBed(host, proxy);
    await trust(bed);
    await loadImageOnto(bed);
  });

  afterAll(async () => {
    await bed.proxy.close();
    await bed.host.stop();
    rmSync(bed.dir, { recursive: true, force: true });
  });

  it('up, ps, exec and logs work remotely and each opens exactly one SSH connection', async () => {
    const sshdLog = join(bed.host.identityFile, '..', '..', 'log', 'sshd.log');
    const logStart = readFileSync(sshdLog, 'utf8').length;
    bed.proxy.resetStats();
    const up = await cli(bed, ['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(bed.proxy.stats.connections).toBe(1);

    bed.proxy.resetStats();
    const ps = await cli(bed, ['--json', 'ps']);
    expect(ps.code, ps.stderr).toBe(0);
    const rows = JSON.parse(ps.stdout) as { service: string; host: string; state: string }[];
    expect(rows).toEqual([
      expect.objectContaining({ service: 'app', host: 'web1', state: 'running' }),
    ]);
    expect(bed.proxy.stats.connections).toBe(1);

    bed.proxy.resetStats();
    const exec = await cli(bed, [
      'exec',
      '-T',
      'app',
      '--',
      'sh',
      '-c',
      'hostname >/dev/null; echo out; echo err >&2; exit 7',
    ]);
    expect(exec.code).toBe(7);
    expect(exec.stdout).toContain('out');
    expect(exec.stderr).toContain('err');
    expect(bed.proxy.stats.connections).toBe(1);

    bed.proxy.resetStats();
    const logs = await cli(bed, ['logs', '--tail', '1000', 'app']);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('hello-from-app');
    expect(bed.proxy.stats.connections).toBe(1);

    // Every notesctl login sent its signature at once (one round trip): sshd logs a login that
    // first asked whether the key would do (as OpenSSH's own client does) "Postponed publickey".
    const logins = readFileSync(sshdLog, 'utf8').slice(logStart);
    expect(logins.split('Accepted publickey').length - 1).toBe(4);
    expect(logins).not.toContain('Postponed publickey');
  });

  it('sends an ed25519 login behind the service request, an RSA one after its answer', async () => {
    // With a key whose signature algorithm the key fixes, the login goes out before sshd has
    // accepted the service (one round trip less); an RSA key's algorithm comes from the server's
    // EXT_INFO, so ssh2 waits as usual. Both logins must succeed against the real sshd.
    const rsa = join(bed.dir, 'id_rsa');
    await execa('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', rsa]);
    appendFileSync(
      join(bed.host.identityFile, '..', 'authorized_keys'),
      readFileSync(`${rsa}.pub`),
    );
    const order: Record<string, string> = {};
    for (const [kind, identity] of [
      ['ed25519', bed.host.identityFile],
      ['rsa', rsa],
    ] as const) {
      const lines: string[] = [];
      const link = await connectSsh(web1(bed, identity), {
        ...sshOptions(bed, false),
        debug: (line) => lines.push(line),
      });
      await link.close();
      const login = lines.findIndex((l) => l.includes('Sending USERAUTH_REQUEST (publickey)'));
      const accepted = lines.findIndex((l) => l.includes('Received SERVICE_ACCEPT'));
      expect(login, lines.join('\n')).toBeGreaterThan(-1);
      expect(accepted, lines.join('\n')).toBeGreaterThan(-1);
      order[kind] = login < accepted ? 'login first' : 'accept first';
    }
    expect(order).toEqual({ ed25519: 'login first', rsa: 'accept first' });
  });

  it('reports a link that goes silent during logs -f, naming the host, within 30 s', async () => {
    const child = spawnCli(['-f', bed.file, 'logs', '-f', 'app'], { env: bed.env, cwd: bed.dir });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    const deadline = Date.now() + 30_000;
    while (!stdout.includes('tick') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(stdout, stderr).toContain('tick');
    // Freeze the host's sshd (every sshd process in its namespace): TCP stays up, SSH goes silent,
    // as when a link drops without a reset.
    const record = listHosts().find((h) => h.name === bed.host.name);
    const sshd = processesInNamespace('net', netnsPath(record?.netns ?? '')).filter(
      (pid) => commandName(pid) === 'sshd',
    );
    expect(sshd.length).toBeGreaterThan(0);
    const frozenAt = Date.now();
    for (const pid of sshd) process.kill(pid, 'SIGSTOP');
    try {
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 35_000)),
      ]);
      expect(code).toBe(1);
      expect(Date.now() - frozenAt).toBeLessThan(30_000);
      expect(stderr).toMatch(
        /web1: SSH connection to root@127\.0\.0\.1:\d+: lost \(no answer to SSH keepalives\)/,
      );
    } finally {
      for (const pid of sshd) process.kill(pid, 'SIGCONT');
      child.kill('SIGKILL');
    }
  });

  it('reports a link cut mid logs -f (connection reset) at once', async () => {
    const cut = await startDelayProxy({ targetHost: bed.host.address, targetPort: 22, delayMs: 0 });
    const file = join(bed.dir, 'cut.yaml');
    writeFileSync(
      file,
      readFileSync(bed.file, 'utf8').replace(`:${bed.proxy.port}`, `:${cut.port}`),
    );
    const child = spawnCli(['-f', file, '--accept-new-host-key', 'logs', '-f', 'app'], {
      env: bed.env,
      cwd: bed.dir,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => resolve(code)),
    );
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('tick') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(stdout, stderr).toContain('tick');
      const cutAt = Date.now();
      await cut.close();
      expect(await exited).toBe(1);
      expect(Date.now() - cutAt).toBeLessThan(5000);
      expect(stderr).toMatch(/web1: SSH connection to root@127\.0\.0\.1:\d+: lost/);
    } finally {
      child.kill('SIGKILL');
      await cut.close();
    }
  });

  it('removes the stack again over SSH', async () => {
    const down = await cli(bed, ['down']);
    expect(down.code, down.stderr).toBe(0);
    const ps = await cli(bed, ['--json', 'ps']);
    expect(JSON.parse(ps.stdout)).toEqual([expect.objectContaining({ state: 'not created' })]);
  });
});

describe('a host whose sshd refuses socket forwarding', () => {
  let bed: Bed;

  beforeAll(async () => {
    const host = await startHost(`${run}b`, { sshd: { allowStreamLocalForwarding: false } });
    const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 0 });
    bed = makeBed(host, proxy);
    await trust(bed);
  });

  afterAll(async () => {
    await bed.proxy.close();
    await bed.host.stop();
    rmSync(bed.dir, { recursive: true, force: true });
  });

  it('is reached through docker system dial-stdio on the same connection', async () => {
    const load = await loadImageOnto(bed);
    expect(load.mode).toBe('dial-stdio');
    bed.proxy.resetStats();
    const up = await cli(bed, ['up']);
    expect(up.code, up.stderr).toBe(0);
    const ps = await cli(bed, ['--json', 'ps']);
    expect(JSON.parse(ps.stdout)).toEqual([expect.objectContaining({ state: 'running' })]);
    expect(bed.proxy.stats.connections).toBe(2);
    const down = await cli(bed, ['down']);
    expect(down.code, down.stderr).toBe(0);
  });
});
