// Account, SSH keys, regions and sizes of the fake DigitalOcean API.
import { execa } from 'execa';
import type { Account, SshKey } from '../../../src/provision/digitalocean/types.ts';
import { IMAGES, REGIONS, SIZES } from './catalog.ts';
import { noContent, notFound, page, unprocessable, type Reply } from './reply.ts';
import type { Route } from './router.ts';
import type { FakeState } from './state.ts';

const KEY_TYPES = [
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-ed25519',
];

/** The account behind the fake's token. */
export const ACCOUNT: Account = {
  droplet_limit: 25,
  floating_ip_limit: 3,
  email: 'notesctl-tests@example.com',
  uuid: 'f0b1c9a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8',
  email_verified: true,
  status: 'active',
  status_message: '',
};

/** The key with this id (digits) or fingerprint (colon hex), as /v2/account/keys/{id} finds it. */
export function findKey(state: FakeState, idOrFingerprint: string): SshKey | undefined {
  if (/^\d+$/.test(idOrFingerprint)) return state.keys.get(Number(idOrFingerprint));
  return [...state.keys.values()].find((key) => key.fingerprint === idOrFingerprint);
}

/**
 * The MD5 fingerprint as OpenSSH computes it. The fake asks ssh-keygen rather than sharing the
 * client's code, so the client's own computation is checked against an independent one.
 */
async function fingerprintOf(publicKey: string): Promise<string | undefined> {
  const result = await execa('ssh-keygen', ['-l', '-E', 'md5', '-f', '-'], {
    input: publicKey,
    reject: false,
  });
  return /MD5:((?:[0-9a-f]{2}:){15}[0-9a-f]{2})/.exec(result.stdout)?.[1];
}

let nextKeyId = 41_000_001;

async function createKey(state: FakeState, body: unknown): Promise<Reply> {
  const { name, public_key: publicKey } = (body ?? {}) as { name?: unknown; public_key?: unknown };
  if (typeof name !== 'string' || name.trim() === '') return unprocessable('Name is required');
  if (typeof publicKey !== 'string' || publicKey.trim().split(/\s+/).length < 2) {
    return unprocessable('Key invalid, key should be of the format `type key [comment]`');
  }
  if (!KEY_TYPES.includes(publicKey.trim().split(/\s+/)[0] ?? '')) {
    return unprocessable(
      "Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', or 'ssh-ed25519'",
    );
  }
  const fingerprint = await fingerprintOf(publicKey.trim());
  if (fingerprint === undefined) {
    return unprocessable('Fingerprint could not be generated, please make sure your key is valid');
  }
  if (findKey(state, fingerprint) !== undefined) {
    return unprocessable('SSH Key is already in use on your account');
  }
  const key: SshKey = { id: nextKeyId++, fingerprint, public_key: publicKey.trim(), name };
  state.keys.set(key.id, key);
  return { status: 201, body: { ssh_key: key } };
}

/** Routes of this file. */
export function accountRoutes(state: FakeState, publicUrl: string): Route[] {
  return [
    {
      method: 'GET',
      pattern: /^\/v2\/account$/,
      handle: () => ({ status: 200, body: { account: ACCOUNT } }),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/regions$/,
      handle: ({ url }) => page(REGIONS, 'regions', url, publicUrl),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/sizes$/,
      handle: ({ url }) => page(SIZES, 'sizes', url, publicUrl),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/images$/,
      handle: ({ url }) => page(IMAGES, 'images', url, publicUrl),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/account\/keys$/,
      handle: ({ url }) => page([...state.keys.values()], 'ssh_keys', url, publicUrl),
    },
    {
      method: 'POST',
      pattern: /^\/v2\/account\/keys$/,
      handle: ({ body }) => createKey(state, body),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/account\/keys\/([^/]+)$/,
      handle: ({ params }) => {
        const key = findKey(state, params[0] ?? '');
        return key === undefined ? notFound() : { status: 200, body: { ssh_key: key } };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\/account\/keys\/([^/]+)$/,
      handle: ({ params }) => {
        const key = findKey(state, params[0] ?? '');
        if (key === undefined) return notFound();
        state.keys.delete(key.id);
        return noContent();
      },
    },
  ];
}
