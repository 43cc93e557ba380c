import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT_LOG_N,
  hashPassword,
  needsRehash,
  parseHash,
  scryptParams,
  verifyPassword,
} from '../../src/password.ts';

describe('password hashing', () => {
  const cheap = scryptParams(8);

  it('stores the parameter set, a 16-byte salt and a 32-byte key', async () => {
    const hash = await hashPassword('correct horse', cheap);
    expect(hash).toMatch(/^\$scrypt\$ln=8,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parseHash(hash);
    expect(parsed?.params).toEqual({ logN: 8, r: 8, p: 1 });
    expect(parsed?.salt).toHaveLength(16);
    expect(parsed?.key).toHaveLength(32);
  });

  it('uses a fresh salt per hash', async () => {
    expect(await hashPassword('same', cheap)).not.toBe(await hashPassword('same', cheap));
  });

  it('verifies the right password only', async () => {
    const hash = await hashPassword('pässword', cheap);
    expect(await verifyPassword('pässword', hash)).toBe(true);
    expect(await verifyPassword('password', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('treats canonically equal Unicode spellings as the same password', async () => {
    const hash = await hashPassword('caf\u00e9', cheap);
    expect(await verifyPassword('cafe\u0301', hash)).toBe(true);
  });

  it('rejects malformed stored hashes instead of throwing', async () => {
    for (const bad of [
      '',
      'plain',
      '$scrypt$ln=99,r=8,p=1$AAAA$AAAA',
      '$argon2id$v=19$m=1,t=1,p=1$AA$AA',
    ]) {
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });

  it('flags hashes made with other parameters for an upgrade', async () => {
    const old = await hashPassword('x', cheap);
    expect(needsRehash(old, cheap)).toBe(false);
    expect(needsRehash(old, scryptParams(9))).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
    expect(scryptParams().logN).toBe(DEFAULT_SCRYPT_LOG_N);
  });

  it('verifies a hash made at the default cost', async () => {
    const hash = await hashPassword('default');
    expect(hash.startsWith(`$scrypt$ln=${DEFAULT_SCRYPT_LOG_N},r=8,p=1$`)).toBe(true);
    expect(await verifyPassword('default', hash)).toBe(true);
  });
});
