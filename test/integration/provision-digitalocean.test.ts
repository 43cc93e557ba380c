// `notesctl provision digitalocean` end to end against the fake DigitalOcean API, whose Droplets
// are namespace test hosts (issue 6): key, droplet, firewall (SSH + the topology's published
// ports), SSH checks, record; `hosts ls` shows it; `hosts rm` deletes droplet, firewall and key
// in the fake. A failure half-way deletes what the run created.
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean/server.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage } from '../bed/images.ts';
import { runCli } from '../support/run-cli.ts';

const run = `pd${process.pid}`;
const token = `dop_v1_${run}`;

describe('provision digitalocean', () => {
  let fake: FakeDigitalOcean;
  let dir: string;
  let env: Record<string, string>;
  const machines = new Map<number, TestHost>();
  const cli = (args: string[]) => runCli(args, { env, cwd: dir, timeoutMs: 300_000 });

  beforeAll(async () => {
    fake = await startFakeDigitalOcean({
      token,
      activateAfterMs: 200,
      // A Droplet is a fresh namespace host without a running engine, as cloud-init leaves it
      // before it is done; root's authorized keys are the Droplet's registered keys.
      onDropletCreated: async (droplet) => {
        const host = await startHost(`${run}d${droplet.droplet.id % 1000}`, { dockerd: false });
        machines.set(droplet.droplet.id, host);
        appendFileSync(
          join(dirname(host.identityFile), 'authorized_keys'),
          droplet.sshPublicKeys.map((k) => `${k}\n`).join(''),
        );
        return { ipv4: host.address };
      },
      onDropletDeleted: async (droplet) => {
        await machines.get(droplet.droplet.id)?.stop();
        machines.delete(droplet.droplet.id);
      },
    });
    dir = mkdtempSync(join(tmpdir(), `${run}-`));
    env = {
      HOME: dir,
      NOTESCTL_HOME: join(dir, 'state'),
      SSH_AUTH_SOCK: '',
      DIGITALOCEAN_ACCESS_TOKEN: token,
      DIGITALOCEAN_API_URL: fake.url,
    };
    writeFileSync(
      join(dir, 'notesctl.config.yaml'),
      [
        `project: ${run}p`,
        'services:',
        '  web:',
        `    image: ${debianImage}`,
        "    ports: ['3000:3000', '127.0.0.1:9000:9000']",
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await fake.close();
    for (const host of machines.values()) await host.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, checks and records a droplet host; hosts rm deletes everything', async () => {
    const result = await cli([
      'provision',
      'digitalocean',
      'do1',
      '--region',
      'fra1',
      '--tag',
      'team-a',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('accepting its host key on first contact');
    expect(result.stderr).toMatch(/Docker 20\.10\.\S+ \(API 1\.41\) answers/);

    const [droplet] = [...fake.state.droplets.values()];
    expect(droplet?.droplet.tags).toEqual(expect.arrayContaining(['notesctl', 'team-a']));
    const [firewall] = [...fake.state.firewalls.values()];
    expect(firewall?.droplet_ids).toEqual([droplet?.droplet.id]);
    expect(firewall?.inbound_rules.map((r) => `${r.protocol}/${r.ports}`).sort()).toEqual([
      'tcp/22',
      'tcp/3000',
    ]);
    const [key] = [...fake.state.keys.values()];
    const keyPath = join(dir, 'state', 'keys', 'do1_ed25519');
    expect(key?.public_key.trim()).toBe(readFileSync(`${keyPath}.pub`, 'utf8').trim());

    const saved = JSON.parse(readFileSync(join(dir, 'state', 'hosts', 'do1.json'), 'utf8')) as {
      hostname: string;
      digitalocean: Record<string, unknown>;
    };
    expect(saved.hostname).toBe(machines.get(droplet?.droplet.id ?? 0)?.address);
    expect(saved.digitalocean).toMatchObject({
      dropletId: droplet?.droplet.id,
      firewallId: firewall?.id,
      keyId: key?.id,
      region: 'fra1',
      keyPath,
    });

    const ls = await cli(['--json', 'hosts', 'ls']);
    expect(JSON.parse(ls.stdout)).toEqual([
      expect.objectContaining({
        name: 'do1',
        driver: 'digitalocean',
        address: `root@${saved.hostname}:22`,
      }),
    ]);

    const rm = await cli(['hosts', 'rm', 'do1', '-y']);
    expect(rm.code, rm.stderr).toBe(0);
    await fake.idle();
    expect(fake.state.droplets.size).toBe(0);
    expect(fake.state.firewalls.size).toBe(0);
    expect(fake.state.keys.size).toBe(0);
    expect(existsSync(join(dir, 'state', 'hosts', 'do1.json'))).toBe(false);
    expect(existsSync(keyPath)).toBe(false);
    expect(machines.size).toBe(0);
  });

  it('deletes what it created when a step fails half-way', async () => {
    fake.failNext(1, { status: 422, method: 'POST', path: /\/v2\/firewalls/ });
    const result = await cli(['provision', 'digitalocean', 'do2']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('provisioning failed: deleting what this run created');
    await fake.idle();
    expect(fake.state.droplets.size).toBe(0);
    expect(fake.state.firewalls.size).toBe(0);
    expect(fake.state.keys.size).toBe(0);
    expect(existsSync(join(dir, 'state', 'hosts', 'do2.json'))).toBe(false);
    expect(existsSync(join(dir, 'state', 'keys', 'do2_ed25519'))).toBe(false);
  });
});
