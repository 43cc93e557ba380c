// `notesctl provision ssh` against a fresh namespace host with no engine running (issue 6): it
// checks the server, starts Docker, proves the engine answers through the SSH socket channel and
// records the host; a second run changes nothing; the hosts commands then list, show, run
// commands on and forget it.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/engine/docker-engine.ts';
import { openSshTransport } from '../../src/engine/ssh/transport.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { runCli } from '../support/run-cli.ts';

const run = `ps${process.pid}`;

describe('provision ssh', () => {
  let host: TestHost;
  let dir: string;
  let env: Record<string, string>;
  const record = () => join(dir, 'state', 'hosts', 'web1.json');
  const cli = (args: string[]) => runCli(args, { env, cwd: dir, timeoutMs: 180_000 });

  beforeAll(async () => {
    host = await startHost(`${run}a`, { dockerd: false });
    dir = mkdtempSync(join(tmpdir(), `${run}-`));
    env = { HOME: dir, NOTESCTL_HOME: join(dir, 'state'), SSH_AUTH_SOCK: '' };
  });

  afterAll(async () => {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts Docker on a fresh server, proves the engine answers and records the host', async () => {
    const target = `root@${host.address}`;
    const result = await cli([
      'provision',
      'ssh',
      'web1',
      target,
      '-i',
      host.identityFile,
      '--accept-new-host-key',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('server runs Debian GNU/Linux 12 (bookworm) as root');
    expect(result.stderr).toContain('started dockerd');
    expect(result.stderr).toMatch(
      /Docker 20\.10\.\S+ \(API 1\.41\) answers at \/run\/docker\.sock/,
    );

    const saved = JSON.parse(readFileSync(record(), 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({
      name: 'web1',
      driver: 'ssh',
      user: 'root',
      hostname: host.address,
      port: 22,
      identity: host.identityFile,
    });
    expect(saved.dockerVersion).toMatch(/^20\.10\./);
    expect(statSync(record()).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'state', 'hosts')).mode & 0o777).toBe(0o700);

    // The engine answers through the same SSH transport every command uses.
    const { transport } = await openSshTransport(
      {
        name: 'web1',
        user: 'root',
        hostname: host.address,
        port: 22,
        identity: host.identityFile,
        socket: '/run/docker.sock',
      },
      {
        env,
        passphrase: undefined,
        hostKeys: {
          files: { own: join(dir, 'state', 'known_hosts'), operator: join(dir, 'none') },
          acceptNew: false,
          ask: undefined,
          note: () => undefined,
        },
      },
    );
    const engine = new DockerEngine('web1', transport);
    try {
      expect((await engine.version()).apiVersion).toBe('1.41');
    } finally {
      await engine.close();
    }
  });

  it('changes nothing on a second run', async () => {
    const before = JSON.parse(readFileSync(record(), 'utf8')) as { createdAt: string };
    const result = await cli(['provision', 'ssh', 'web1', `root@${host.address}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('Docker is installed already');
    expect(result.stderr).toContain('start dockerd: already running');
    expect(result.stderr).toContain('Host web1 is ready (record unchanged).');
    const after = JSON.parse(readFileSync(record(), 'utf8')) as { createdAt: string };
    expect(after.createdAt).toBe(before.createdAt);
  });

  it('refuses to record a different server under the same name', async () => {
    const result = await cli(['provision', 'ssh', 'web1', `root@${host.address}:2222`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`host web1 is already recorded as root@${host.address}:22`);
  });

  it('lists, shows, runs commands on and forgets the host', async () => {
    const ls = await cli(['--json', 'hosts', 'ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([
      expect.objectContaining({
        name: 'web1',
        driver: 'ssh',
        address: `root@${host.address}:22`,
        source: 'store',
      }),
    ]);

    const show = await cli(['hosts', 'show', 'web1']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`ssh: root@${host.address}:22`);
    expect(show.stdout).toContain('hostKeys:\n  - ssh-ed25519 SHA256:');
    expect(show.stdout).not.toContain('PRIVATE KEY');

    const ssh = await cli([
      'hosts',
      'ssh',
      'web1',
      '--',
      'sh',
      '-c',
      'docker version --format "{{.Server.APIVersion}}"; exit 5',
    ]);
    expect(ssh.code).toBe(5);
    expect(ssh.stdout.trim()).toBe('1.41');

    const unsure = await cli(['hosts', 'rm', 'web1']);
    expect(unsure.code).toBe(2);
    expect(existsSync(record())).toBe(true);

    const rm = await cli(['hosts', 'rm', 'web1', '-y']);
    expect(rm.code, rm.stderr).toBe(0);
    expect(existsSync(record())).toBe(false);
    expect(readFileSync(join(dir, 'state', 'known_hosts'), 'utf8')).not.toContain(host.address);

    const unknown = await cli(['hosts', 'show', 'web2']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown host "web2"');
  });
});
