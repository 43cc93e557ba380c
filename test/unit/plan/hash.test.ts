import { describe, expect, it } from 'vitest';
import { canonicalJson, hashOf, secretsDigest } from '../../../src/plan/hash.ts';

describe('hashes', () => {
  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(hashOf({ a: 1, b: 2 })).toBe(hashOf({ b: 2, a: 1 }));
  });

  it('changes when any value changes, and keeps array order', () => {
    expect(hashOf({ a: [1, 2] })).not.toBe(hashOf({ a: [2, 1] }));
    expect(hashOf({ a: '1' })).not.toBe(hashOf({ a: 1 }));
  });

  it('digests secrets with a key, so the digest reveals nothing without it', () => {
    const values = [{ name: 'pw', value: Buffer.from('hunter2') }];
    const a = secretsDigest(Buffer.alloc(32, 1), values);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(secretsDigest(Buffer.alloc(32, 2), values)).not.toBe(a);
    expect(
      secretsDigest(Buffer.alloc(32, 1), [{ name: 'pw', value: Buffer.from('hunter3') }]),
    ).not.toBe(a);
    expect(a).not.toContain(Buffer.from('hunter2').toString('hex'));
  });
});
