// `notesctl provision digitalocean`'s API half, end to end against the local fake: the client
// registers a key, creates a Droplet and its firewall, and waits for it; behind the Droplet the
// fake starts a real namespace test host (test/bed/hosts.ts), so the address DigitalOcean reports
// is a machine whose sshd answers and lets in the key that was registered. Then everything is
// deleted and the host goes with its Droplet.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { DigitalOceanClient } from '../../src/provision/digitalocean/client.ts';
import { readCloudInitTemplate } from '../../src/provision/digitalocean/cloud-init.ts';
import { hostTag, planDroplet, planFirewall } from '../../src/provision/digitalocean/plan.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { startFakeDigitalOcean, type FakeDigitalOcean } from '../fakes/digitalocean/server.ts';

const TOKEN = `dop_v1_${'1e57'.repeat(16)}`;
const hostName = `do${process.pid}`;

/** The first line a TCP connection to `address:22` reads: sshd's identification string. */
function sshBanner(address: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port: 22, timeout: timeoutMs });
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      const end = seen.indexOf('\n');
      if (end >= 0) {
        socket.destroy();
        resolve(seen.slice(0, end).trimEnd());
      }
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no SSH banner from ${address}:22 within ${timeoutMs} ms`));
    });
    socket.once('error', reject);
  });
}

describe('DigitalOcean provisioning against the fake, with a namespace host behind the Droplet', () => {
  let fake: FakeDigitalOcean | undefined;
  let host: TestHost | undefined;
  const keyDir = mkdtempSync(join(tmpdir(), 'notesctl-do-it-'));

  afterAll(async () => {
    // Also when the test failed half-way: close() stops a host still standing behind a Droplet.
    await fake?.close();
    await host?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('creates a Droplet whose reported IPv4 is a live host that the registered key logs into', async () => {
    fake = await startFakeDigitalOcean({
      token: TOKEN,
      activateAfterMs: 500,
      onDropletCreated: async (droplet) => {
        host = await startHost(hostName, { dockerd: false });
        // What DigitalOcean does with ssh_keys: embed them for root.
        const authorized = join(dirname(host.identityFile), 'authorized_keys');
        appendFileSync(authorized, droplet.sshPublicKeys.map((key) => `${key}\n`).join(''));
        return { ipv4: host.address };
      },
      onDropletDeleted: async () => {
        await host?.stop();
      },
    });
    const client = new DigitalOceanClient({ token: TOKEN, baseUrl: fake.url });
    const identity = join(keyDir, 'id_ed25519');
    await execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'notesctl', '-f', identity]);
    const { key } = await client.createKey('notesctl', readFileSync(`${identity}.pub`, 'utf8'));

    const spec = planDroplet({
      hostName,
      region: 'ams3',
      size: 's-1vcpu-1gb',
      image: 'debian-12-x64',
      sshKeyId: key.id,
      cloudInitTemplate: await readCloudInitTemplate(),
    });
    const { droplet } = await client.createDroplet(spec);
    const firewall = await client.createFirewall(
      planFirewall({ hostName, ports: [{ port: 80, protocol: 'tcp' }], dropletIds: [droplet.id] }),
    );
    const progress: string[] = [];
    const address = await client.waitForDropletActive(droplet.id, {
      timeoutMs: 120_000,
      pollIntervalMs: 250,
      onProgress: ({ droplet: d }) => progress.push(d.status),
    });

    expect(host).toBeDefined();
    expect(address).toBe(host?.address);
    expect(progress.at(-1)).toBe('active');
    expect(await sshBanner(address)).toMatch(/^SSH-2\.0-OpenSSH/);
    const login = await execa('ssh', [
      ...['-F', '/dev/null', '-i', identity, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
      ...[
        '-o',
        `UserKnownHostsFile=${host?.knownHostsFile ?? ''}`,
        '-o',
        'StrictHostKeyChecking=yes',
      ],
      `root@${address}`,
      'echo logged-in',
    ]);
    expect(login.stdout).toBe('logged-in');
    // The server was asked to harden sshd and install Docker from the distribution.
    const asked = fake.state.droplets.get(droplet.id)?.cloudConfig as {
      packages: string[];
      write_files: { content: string }[];
    };
    expect(asked.packages).toEqual(['docker.io']);
    expect(asked.write_files[0]?.content).toMatch(/PasswordAuthentication no/);
    expect((await client.listDropletsByTag(hostTag(hostName))).map((d) => d.id)).toEqual([
      droplet.id,
    ]);

    expect(await client.deleteFirewall(firewall.id)).toBe('deleted');
    expect(await client.deleteDroplet(droplet.id)).toBe('deleted');
    expect(await client.deleteKey(key.fingerprint)).toBe('deleted');
    await fake.idle();
    await expect(sshBanner(address, 1000)).rejects.toThrow();
    expect(await client.listDropletsByTag('notesctl')).toEqual([]);
  });
});
