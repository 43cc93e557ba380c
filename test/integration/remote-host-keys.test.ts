// Host keys and logins against a real sshd (issue 6): a first contact without a terminal needs
// --accept-new-host-key and is then recorded (0600); a changed key is refused before anything
// happens on the host, showing both fingerprints; keys the operator trusts in ~/.ssh/known_hosts
// (hashed, [host]:port) count; an encrypted key without a terminal fails with the way out;
// ssh-agent logs in when no identity is named; a key the server refuses is named in the error.
import { spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint, hashHostName } from '../../src/engine/ssh/known-hosts.ts';
import { startDelayProxy, type DelayProxy } from '../bed/delay-proxy.ts';
import { docker } from '../bed/docker-cli.ts';
import { debianImage } from '../bed/images.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { runCli } from '../support/run-cli.ts';

const run = `hk${process.pid}`;

describe('host keys and logins', () => {
  let host: TestHost;
  let proxy: DelayProxy;
  let dir: string;
  let env: Record<string, string>;
  const hostFingerprint = () =>
    fingerprint(Buffer.from(host.hostPublicKey.split(' ')[1] ?? '', 'base64'));
  const own = () => join(dir, 'state', 'known_hosts');

  /** A topology with one service on `web1` reached at `target`, logging in with `identity`. */
  function topology(target: string, identity: string | undefined): string {
    const file = join(dir, 'notesctl.config.yaml');
    writeFileSync(
      file,
      [
        `project: ${run}p`,
        'hosts:',
        '  web1:',
        `    ssh: ${target}`,
        ...(identity ? [`    identity: ${identity}`] : []),
        'services:',
        '  app:',
        `    image: ${debianImage}`,
        "    command: ['sleep', 'infinity']",
        '    host: web1',
        '',
      ].join('\n'),
    );
    return file;
  }

  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runCli(args, { env: { ...env, ...extra }, cwd: dir, timeoutMs: 120_000 });

  beforeAll(async () => {
    host = await startHost(`${run}a`);
    proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 0 });
  });

  afterAll(async () => {
    await proxy.close();
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), `${run}-`));
    env = { HOME: dir, NOTESCTL_HOME: join(dir, 'state'), SSH_AUTH_SOCK: '' };
  });

  it('refuses a first contact without a terminal unless --accept-new-host-key, then records it', async () => {
    const file = topology(`root@${host.address}`, host.identityFile);
    const refused = await cli(['-f', file, 'ps']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`host web1 (root@${host.address}:22) is not known yet`);
    expect(refused.stderr).toContain(hostFingerprint());
    expect(refused.stderr).toContain('--accept-new-host-key');
    expect(existsSync(own())).toBe(false);

    const accepted = await cli(['-f', file, '--accept-new-host-key', 'ps']);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toContain(`Recorded the host key of host web1`);
    expect(readFileSync(own(), 'utf8')).toBe(`${host.address} ${host.hostPublicKey}\n`);
    expect(statSync(own()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state')).mode & 0o777).toBe(0o700);

    const again = await cli(['-f', file, 'ps']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('Recorded');
  });

  it('refuses a changed host key with both fingerprints, and changes nothing', async () => {
    const file = topology(`root@${host.address}`, host.identityFile);
    const other = join(dir, 'other');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const otherKey = readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    mkdirSync(join(dir, 'state'), { mode: 0o700 });
    writeFileSync(own(), `${host.address} ${otherKey}\n`, { mode: 0o600 });
    const before = readFileSync(own(), 'utf8');
    const logins = () =>
      readFileSync(join(dirname(dirname(host.identityFile)), 'log', 'sshd.log'), 'utf8').split(
        'Accepted publickey',
      ).length;
    const loginsBefore = logins();

    const result = await cli(['-f', file, '--accept-new-host-key', 'up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the host key has CHANGED');
    expect(result.stderr).toContain(`presented: ssh-ed25519 ${hostFingerprint()}`);
    const recorded = fingerprint(Buffer.from(otherKey.split(' ')[1] ?? '', 'base64'));
    expect(result.stderr).toContain(`recorded:  ssh-ed25519 ${recorded}  (${own()}:1)`);
    expect(result.stderr).toContain(`ssh-keygen -f ${own()} -R '${host.address}'`);
    expect(readFileSync(own(), 'utf8')).toBe(before);
    // Refused during the key exchange: the client never offered a login signature.
    expect(logins()).toBe(loginsBefore);
    const containers = await docker(['ps', '-aq'], {
      env: { DOCKER_HOST: `unix://${host.dockerSocket}` },
    });
    expect(containers.stdout.trim()).toBe('');
  });

  it("trusts the operator's hashed [host]:port entry in ~/.ssh/known_hosts and writes nothing", async () => {
    const file = topology(`root@127.0.0.1:${proxy.port}`, host.identityFile);
    mkdirSync(join(dir, '.ssh'), { mode: 0o700 });
    const hashed = hashHostName(`[127.0.0.1]:${proxy.port}`, Buffer.from('0123456789abcdef0123'));
    writeFileSync(
      join(dir, '.ssh', 'known_hosts'),
      `# operator's file\n${hashed} ${host.hostPublicKey}\n`,
    );
    const result = await cli(['-f', file, 'ps']);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(own())).toBe(false);
  });

  it('fails clearly on an encrypted key without a terminal', async () => {
    const encrypted = join(dir, 'id_encrypted');
    copyFileSync(host.identityFile, encrypted);
    await execa('ssh-keygen', ['-q', '-p', '-f', encrypted, '-P', '', '-N', 'secret phrase']);
    const file = topology(`root@${host.address}`, encrypted);
    const result = await cli(['-f', file, '--accept-new-host-key', 'ps']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `the SSH key ${encrypted} is encrypted and there is no terminal to ask for its passphrase`,
    );
    expect(result.stderr).toContain(`ssh-add ${encrypted}`);
  });

  it('names the keys the server refused, and where to authorise them', async () => {
    const stranger = join(dir, 'id_stranger');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const file = topology(`root@${host.address}`, stranger);
    const result = await cli(['-f', file, '--accept-new-host-key', 'ps']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the server refused every key tried');
    expect(result.stderr).toContain(stranger);
    expect(result.stderr).toContain('authorized_keys');
  });

  it('logs in through ssh-agent when no identity is named', async () => {
    const socket = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await sleep(50);
      await execa('ssh-add', [host.identityFile], { env: { SSH_AUTH_SOCK: socket } });
      const file = topology(`root@${host.address}`, undefined);
      const result = await cli(['-f', file, '--accept-new-host-key', 'ps'], {
        SSH_AUTH_SOCK: socket,
      });
      expect(result.code, result.stderr).toBe(0);
      const without = await cli(['-f', file, 'ps']);
      expect(without.code).toBe(1);
      expect(without.stderr).toContain('no SSH key to log in with');
    } finally {
      agent.kill();
    }
  });
});
