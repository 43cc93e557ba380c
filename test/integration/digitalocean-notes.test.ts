/**
 * Issue 6 end to end through the DigitalOcean path: `provision digitalocean` against the local
 * fake of DigitalOcean's API (its Droplets are namespace test hosts with real sshd and dockerd),
 * `up --host do1` of the Notes stack, a login on the new host's address, then `hosts rm` removes
 * droplet, firewall and key in the fake.
 */
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean/server.ts';
import { runCli } from '../support/run-cli.ts';
import { createStack, type Stack } from '../support/stack.ts';

const token = `dop_v1_notes${process.pid}`;
let fake: FakeDigitalOcean;
let stack: Stack;
let home: string;
const machines = new Map<number, TestHost>();

function cli(args: string[], input?: string) {
  return runCli(args, {
    cwd: stack.dir,
    input,
    timeoutMs: 900_000,
    env: {
      ...stack.env,
      HOME: home,
      SSH_AUTH_SOCK: '',
      DIGITALOCEAN_ACCESS_TOKEN: token,
      DIGITALOCEAN_API_URL: fake.url,
    },
  });
}

describe('provision digitalocean, deploy Notes, remove the host', () => {
  beforeAll(async () => {
    stack = await createStack('dn');
    home = await mkdtemp(join(tmpdir(), 'notesctl-dn-home-'));
    fake = await startFakeDigitalOcean({
      token,
      activateAfterMs: 300,
      // A fresh Droplet: no engine running yet; root's authorized keys are the registered keys.
      onDropletCreated: async (droplet) => {
        const host = await startHost(`dn${droplet.droplet.id % 1000}x${process.pid % 100}`, {
          dockerd: false,
        });
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
  });
  afterAll(async () => {
    await (fake as FakeDigitalOcean | undefined)?.close();
    for (const host of machines.values()) await host.stop();
    await (stack as Stack | undefined)?.destroy();
    await rm(home, { recursive: true, force: true });
  });

  it('provisions, deploys, serves a login on the droplet, and removes everything', async () => {
    const provision = await cli(['provision', 'digitalocean', 'do1', '--region', 'fra1']);
    expect(provision.code, provision.stderr).toBe(0);
    const [firewall] = [...fake.state.firewalls.values()];
    expect(firewall?.inbound_rules.map((r) => `${r.protocol}/${r.ports}`).sort()).toEqual([
      'tcp/22',
      `tcp/${stack.port}`,
    ]);

    const up = await cli(['--host', 'do1', 'up']);
    expect(up.code, up.stderr).toBe(0);
    const [droplet] = [...machines.values()];
    const address = droplet?.address ?? '';
    expect((await fetch(`http://${address}:${stack.port}/health`)).status).toBe(200);

    const added = await cli(
      ['--host', 'do1', 'users', 'add', '--username', 'dora', '--password-stdin'],
      'ocean floor 42',
    );
    expect(added.code, added.stderr).toBe(0);
    const login = await new Client(`http://${address}:${stack.port}`).login(
      'dora',
      'ocean floor 42',
    );
    expect(login.status).toBe(302);

    const removed = await cli(['hosts', 'rm', 'do1', '-y']);
    expect(removed.code, removed.stderr).toBe(0);
    await fake.idle();
    expect(fake.state.droplets.size).toBe(0);
    expect(fake.state.firewalls.size).toBe(0);
    expect(fake.state.keys.size).toBe(0);
    expect(machines.size).toBe(0);
  });
});
