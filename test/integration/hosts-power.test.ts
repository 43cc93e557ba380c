/**
 * Issue 23, docker-machine parity: `hosts ip`, `hosts status` and the DigitalOcean power actions
 * `hosts stop|start|restart`, and `hosts scp`, against the fake DigitalOcean API whose droplet is a namespace test
 * host (real sshd and dockerd). The power actions go through the API (the fake moves the
 * droplet's state when the action completes); a second stop is refused with DigitalOcean's own
 * words; an SSH host cannot be powered; `status` reports SSH, the engine and the droplet.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean/server.ts';
import { writeHost } from '../../src/hosts/store.ts';
import { runCli } from '../support/run-cli.ts';

const run = `hp${process.pid % 10000}`;
const token = `dop_v1_${run}`;
let fake: FakeDigitalOcean;
let machine: TestHost | undefined;
let dir: string;
let env: Record<string, string>;
let dropletId: number;

const cli = (args: string[]) => runCli(args, { cwd: dir, env, timeoutMs: 120_000 });
const dropletStatus = () => fake.state.droplets.get(dropletId)?.droplet.status;

describe('hosts ip, status, start, stop, restart', () => {
  beforeAll(async () => {
    fake = await startFakeDigitalOcean({
      token,
      activateAfterMs: 0,
      onDropletCreated: async () => {
        machine = await startHost(run);
        return { ipv4: machine.address };
      },
    });
    dir = await mkdtemp(join(tmpdir(), `notesctl-${run}-`));
    env = {
      HOME: dir,
      NOTESCTL_HOME: join(dir, 'state'),
      SSH_AUTH_SOCK: '',
      DIGITALOCEAN_ACCESS_TOKEN: token,
      DIGITALOCEAN_API_URL: fake.url,
    };
    // A droplet made through the API, recorded as `provision digitalocean` records one.
    const created = await fetch(`${fake.url}/v2/droplets`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'do1',
        region: 'fra1',
        size: 's-1vcpu-1gb',
        image: 'debian-12-x64',
        user_data: '#cloud-config\n{}\n',
      }),
    });
    expect(created.status).toBe(202);
    dropletId = ((await created.json()) as { droplet: { id: number } }).droplet.id;
    await fake.idle();
    expect(dropletStatus()).toBe('active');
    const host = machine as TestHost;
    const record = {
      version: 1 as const,
      name: 'do1',
      driver: 'digitalocean' as const,
      user: 'root',
      hostname: host.address,
      port: 22,
      identity: host.identityFile,
      socket: '/run/docker.sock',
      createdAt: new Date().toISOString(),
      digitalocean: {
        dropletId,
        region: 'fra1',
        size: 's-1vcpu-1gb',
        image: 'debian-12-x64',
        keyPath: host.identityFile,
      },
    };
    await writeHost(record, env);
    await writeHost({ ...record, name: 'plain', driver: 'ssh', digitalocean: undefined }, env);
  }, 120_000);
  afterAll(async () => {
    await fake.close();
    await machine?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the address', async () => {
    const ip = await cli(['hosts', 'ip', 'do1']);
    expect(ip.code, ip.stderr).toBe(0);
    expect(ip.stdout.trim()).toBe(machine?.address);
    const unknown = await cli(['hosts', 'ip', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown host "nope"');
  });

  it('reports SSH, the engine and the droplet', async () => {
    const status = await cli(['--accept-new-host-key', '--json', 'hosts', 'status', 'do1']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      droplet: { state: 'active' },
      ssh: { state: 'answers' },
      engine: { state: 'answers', detail: expect.stringMatching(/^Docker \d+/) as string },
    });
  });

  it('copies a file up and down over the SSH connection (SFTP), and says what is wrong', async () => {
    const payload = randomBytes(300_000);
    await writeFile(join(dir, 'up.bin'), payload);
    const up = await cli(['hosts', 'scp', join(dir, 'up.bin'), 'do1:/root/copied.bin']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('copied 293.0 KiB to do1');
    const down = await cli(['hosts', 'scp', 'do1:/root/copied.bin', join(dir, 'down.bin')]);
    expect(down.code, down.stderr).toBe(0);
    expect((await readFile(join(dir, 'down.bin'))).equals(payload)).toBe(true);
    const missing = await cli(['hosts', 'scp', 'do1:/root/nope.bin', join(dir, 'x.bin')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('copy do1:/root/nope.bin');
    const local = await cli(['hosts', 'scp', join(dir, 'up.bin'), join(dir, 'y.bin')]);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain('exactly one side must be NAME:path');
  });

  it('stops, starts and restarts the droplet through the API, and says when it cannot', async () => {
    const stop = await cli(['hosts', 'stop', 'do1']);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout.trim()).toBe('do1: off');
    expect(dropletStatus()).toBe('off');
    const again = await cli(['hosts', 'stop', 'do1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already powered off');
    const start = await cli(['hosts', 'start', 'do1']);
    expect(start.code, start.stderr).toBe(0);
    expect(dropletStatus()).toBe('active');
    const restart = await cli(['hosts', 'restart', 'do1']);
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stderr).toMatch(/do1: reboot \(droplet \d+, action \d+\)/);
    expect(dropletStatus()).toBe('active');
    const plain = await cli(['hosts', 'stop', 'plain']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('not a DigitalOcean host');
  });
});
