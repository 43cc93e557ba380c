/** The session cookie signer: valid signatures pass, anything else fails, also when memoised. */
import { describe, expect, it } from 'vitest';
import { CookieSigner } from '../../src/cookie-signer.ts';

describe('CookieSigner', () => {
  const signer = new CookieSigner('a-secret-of-at-least-thirty-two-chars');

  it('verifies its own signatures, twice (memo) and stays strict', () => {
    const sig = signer.sign('notes.sid=abc');
    expect(signer.index('notes.sid=abc', sig)).toBe(0);
    expect(signer.index('notes.sid=abc', sig)).toBe(0);
    expect(signer.index('notes.sid=abd', sig)).toBe(-1);
    expect(signer.index('notes.sid=abc', `${sig.slice(0, -1)}A`)).toBe(sig.endsWith('A') ? 0 : -1);
    expect(signer.index('notes.sid=abc', '')).toBe(-1);
  });

  it('does not accept signatures made with another secret', () => {
    const other = new CookieSigner('another-secret-of-at-least-thirty-two');
    expect(signer.verify('notes.sid=abc', other.sign('notes.sid=abc'))).toBe(false);
  });
});
