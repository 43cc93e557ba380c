import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/errors.ts';
import { DigitalOceanApiError } from '../../../../src/provision/digitalocean/errors.ts';
import { hostTag, planFirewall } from '../../../../src/provision/digitalocean/plan.ts';
import type { Droplet } from '../../../../src/provision/digitalocean/types.ts';
import { clientOf, dropletSpec, fake, newPublicKey } from './helpers.ts';

async function withKey(server: { url: string }): Promise<number> {
  return (await clientOf(server).createKey('k', await newPublicKey())).key.id;
}

describe('DigitalOcean client: Droplets', () => {
  it('creates a Droplet that is "new" at first, then active with a public IPv4', async () => {
    const server = await fake({ activateAfterMs: 300 });
    const client = clientOf(server);
    const { droplet, actions } = await client.createDroplet(
      await dropletSpec('web-1', await withKey(server)),
    );
    expect(droplet.status).toBe('new');
    expect(droplet.networks.v4).toEqual([]);
    expect(droplet.tags).toEqual(['notesctl', 'notesctl-host-web-1']);
    expect(actions).toEqual([expect.objectContaining({ rel: 'create' })]);
    const seen: string[] = [];
    const address = await client.waitForDropletActive(droplet.id, {
      timeoutMs: 10_000,
      pollIntervalMs: 50,
      onProgress: ({ droplet: d }) => seen.push(d.status),
    });
    expect(address).toMatch(/^203\.0\.113\.\d+$/);
    expect(seen[0]).toBe('new');
    expect(seen.at(-1)).toBe('active');
    const active = await client.getDroplet(droplet.id);
    expect(active.networks.v4.map((n) => n.type).sort()).toEqual(['private', 'public']);
    // The fake recorded the cloud-config it was asked to run.
    const recorded = server.state.droplets.get(droplet.id);
    expect(recorded?.cloudConfig.packages).toEqual(['docker.io']);
  });

  it('backs off between polls instead of hammering the API', async () => {
    const server = await fake({ activateAfterMs: 1500 });
    const client = clientOf(server);
    const { droplet } = await client.createDroplet(
      await dropletSpec('web-2', await withKey(server)),
    );
    await client.waitForDropletActive(droplet.id, {
      timeoutMs: 10_000,
      pollIntervalMs: 50,
      maxPollIntervalMs: 400,
    });
    const polls = server.state.requests.filter((r) => r.path === `/v2/droplets/${droplet.id}`);
    // Fixed 50 ms polling would make ~30 calls in 1.5 s; 50 → 75 → 112 → … → 400 makes about 9.
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls.length).toBeLessThanOrEqual(12);
  });

  it('gives up at the deadline with the Droplet id, name and status', async () => {
    const server = await fake({ activateAfterMs: 60_000 });
    const client = clientOf(server);
    const { droplet } = await client.createDroplet(
      await dropletSpec('slow-1', await withKey(server)),
    );
    const started = Date.now();
    const error = await client
      .waitForDropletActive(droplet.id, { timeoutMs: 400, pollIntervalMs: 100 })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toBe(
      `droplet ${droplet.id} (slow-1) is still "new" after 0.4 s`,
    );
  });

  it('stays "new" when the machine behind it fails to come up', async () => {
    const server = await fake({
      activateAfterMs: 0,
      onDropletCreated: () => Promise.reject(new Error('no capacity')),
    });
    const client = clientOf(server);
    const { droplet } = await client.createDroplet(
      await dropletSpec('doomed', await withKey(server)),
    );
    const error = await client
      .waitForDropletActive(droplet.id, { timeoutMs: 300, pollIntervalMs: 50 })
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/still "new"/);
    expect(server.state.droplets.get(droplet.id)?.failure).toBe('no capacity');
  });

  it('reports a Droplet deleted while waiting', async () => {
    const server = await fake({ activateAfterMs: 60_000 });
    const client = clientOf(server);
    const { droplet } = await client.createDroplet(
      await dropletSpec('gone', await withKey(server)),
    );
    const waiting = client.waitForDropletActive(droplet.id, {
      timeoutMs: 5000,
      pollIntervalMs: 50,
    });
    await client.deleteDroplet(droplet.id);
    await expect(waiting).rejects.toThrow(`droplet ${droplet.id} disappeared`);
  });

  it.each([
    ['size', { size: 's-64vcpu-huge' }, 'You specified an invalid size for Droplet creation.'],
    ['region', { region: 'mars1' }, 'You specified an invalid region for Droplet creation.'],
    ['image', { image: 'windows-11' }, 'You specified an invalid image for Droplet creation.'],
    ['key', { ssh_keys: [999] }, '999 are invalid key identifiers for Droplet creation.'],
  ])(
    'names the endpoint and DigitalOcean’s 422 for an invalid %s',
    async (_, override, message) => {
      const server = await fake();
      const client = clientOf(server);
      const spec = await dropletSpec('web-1', await withKey(server), override);
      const error = await client.createDroplet(spec).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DigitalOceanApiError);
      expect((error as DigitalOceanApiError).status).toBe(422);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^DigitalOcean POST /v2/droplets: 422 unprocessable_entity: ${message.replace(/\./g, '\\.')} \\(request [0-9a-f-]{36}\\)$`,
        ),
      );
      expect(server.state.droplets.size).toBe(0);
    },
  );

  it('lists Droplets by tag across pages', async () => {
    const server = await fake();
    const client = clientOf(server);
    const keyId = await withKey(server);
    for (const name of ['a-1', 'a-2', 'a-3'])
      await client.createDroplet(await dropletSpec(name, keyId));
    await client.createDroplet(await dropletSpec('other', keyId, { tags: ['unrelated'] }));
    const tagged = await client.listDropletsByTag('notesctl', { perPage: 2 });
    expect(tagged.map((d: Droplet) => d.name)).toEqual(['a-1', 'a-2', 'a-3']);
    const pages = server.state.requests.filter((r) => r.query.tag_name === 'notesctl');
    expect(pages.map((r) => r.query.page)).toEqual(['1', '2']);
    expect((await client.listDropletsByTag(hostTag('a-2'))).map((d) => d.name)).toEqual(['a-2']);
    expect(await client.listDropletsByTag('notesctl-host-nobody')).toEqual([]);
  });

  it('deletes a Droplet and its firewall; a second delete finds them absent', async () => {
    const server = await fake({ activateAfterMs: 0 });
    const client = clientOf(server);
    const { droplet } = await client.createDroplet(
      await dropletSpec('web-1', await withKey(server)),
    );
    const spec = planFirewall({
      hostName: 'web-1',
      ports: [{ port: 80, protocol: 'tcp' }],
      dropletIds: [droplet.id],
    });
    const firewall = await client.createFirewall(spec);
    expect(firewall.status).toBe('waiting');
    expect(firewall.inbound_rules.map((r) => r.ports)).toEqual(['22', '80']);
    expect(firewall.outbound_rules.map((r) => `${r.protocol}:${r.ports ?? ''}`)).toEqual([
      'tcp:1-65535',
      'udp:1-65535',
      'icmp:0',
    ]);
    expect((await client.getFirewall(firewall.id)).droplet_ids).toEqual([droplet.id]);
    expect(await client.deleteDroplet(droplet.id)).toBe('deleted');
    const missing = await client.getDroplet(droplet.id).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(
      `DigitalOcean GET /v2/droplets/${droplet.id}: 404 not_found: The resource you were accessing could not be found.`,
    );
    expect((await client.getFirewall(firewall.id)).droplet_ids).toEqual([]);
    expect(await client.deleteFirewall(firewall.id)).toBe('deleted');
    expect(await client.deleteFirewall(firewall.id)).toBe('absent');
    expect(await client.deleteDroplet(droplet.id)).toBe('absent');
    expect(server.state.firewalls.size + server.state.droplets.size).toBe(0);
  });

  it('passes on a 400 for a firewall DigitalOcean would refuse', async () => {
    const client = clientOf(await fake());
    const spec = planFirewall({ hostName: 'web-1', ports: [], dropletIds: [] });
    spec.inbound_rules[0] = {
      protocol: 'tcp',
      ports: '22',
      sources: { addresses: ['everywhere'] },
    };
    await expect(client.createFirewall(spec)).rejects.toThrow(
      /^DigitalOcean POST \/v2\/firewalls: 400 bad_request: inbound_rules\[0\]: "everywhere" is not an IP address or CIDR/,
    );
  });
});
