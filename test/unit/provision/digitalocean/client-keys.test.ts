import { describe, expect, it } from 'vitest';
import { DigitalOceanApiError } from '../../../../src/provision/digitalocean/errors.ts';
import { md5Fingerprint } from '../../../../src/provision/digitalocean/fingerprint.ts';
import { clientOf, fake, newPublicKey, TOKEN } from './helpers.ts';

describe('DigitalOcean client: SSH keys', () => {
  it('registers a key, and finds it by fingerprint instead of failing the second time', async () => {
    const server = await fake();
    const client = clientOf(server);
    const publicKey = await newPublicKey();
    const first = await client.createKey('laptop', publicKey);
    expect(first.created).toBe(true);
    // The fake fingerprints with ssh-keygen; the client computed its own: they must agree.
    expect(first.key.fingerprint).toBe(md5Fingerprint(publicKey));
    const second = await client.createKey('laptop again', publicKey);
    expect(second).toEqual({ key: first.key, created: false });
    expect(server.state.keys.size).toBe(1);
    expect(server.state.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('finds a key registered by someone else under another name', async () => {
    const server = await fake();
    const client = clientOf(server);
    const publicKey = await newPublicKey('from the control panel');
    const response = await fetch(`${server.url}/v2/account/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'console key', public_key: publicKey }),
    });
    expect(response.status).toBe(201);
    const { key, created } = await client.createKey('notesctl', publicKey);
    expect(created).toBe(false);
    expect(key.name).toBe('console key');
  });

  it('answers undefined for an unknown fingerprint', async () => {
    const client = clientOf(await fake());
    expect(
      await client.findKeyByFingerprint('00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff'),
    ).toBe(undefined);
  });

  it('reads every page of keys', async () => {
    const server = await fake();
    const client = clientOf(server);
    const keys = await Promise.all([1, 2, 3, 4, 5].map((n) => newPublicKey(`key-${n}`)));
    for (const [n, key] of keys.entries()) await client.createKey(`key-${n}`, key);
    const listed = await client.listKeys({ perPage: 2 });
    expect(listed.map((key) => key.name)).toEqual(['key-0', 'key-1', 'key-2', 'key-3', 'key-4']);
    const pages = server.state.requests
      .filter((r) => r.method === 'GET' && r.path === '/v2/account/keys')
      .map((r) => r.query);
    expect(pages).toEqual([
      { page: '1', per_page: '2' },
      { page: '2', per_page: '2' },
      { page: '3', per_page: '2' },
    ]);
  });

  it('deletes by id and by fingerprint, and reports a key already gone as absent', async () => {
    const server = await fake();
    const client = clientOf(server);
    const a = (await client.createKey('a', await newPublicKey('a'))).key;
    const b = (await client.createKey('b', await newPublicKey('b'))).key;
    expect(await client.deleteKey(a.id)).toBe('deleted');
    expect(await client.deleteKey(b.fingerprint)).toBe('deleted');
    expect(await client.deleteKey(a.id)).toBe('absent');
    expect(server.state.keys.size).toBe(0);
  });

  it('passes on DigitalOcean’s 422 for a key it cannot use', async () => {
    const client = clientOf(await fake());
    // Cut short: the type inside still reads right (so the client fingerprints it), the key does not.
    const [type = '', data = ''] = (await newPublicKey()).split(' ');
    const damaged = `${type} ${data.slice(0, 40)}`;
    const error = await client.createKey('broken', damaged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigitalOceanApiError);
    expect((error as Error).message).toMatch(
      /^DigitalOcean POST \/v2\/account\/keys: 422 unprocessable_entity: Fingerprint could not be generated/,
    );
  });
});
