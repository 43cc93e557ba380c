import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/commands/support/since.ts';

describe('--since', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it.each([
    ['90s', now / 1000 - 90],
    ['10m', now / 1000 - 600],
    ['2h', now / 1000 - 7200],
    ['1d', now / 1000 - 86400],
    ['2026-11-25T11:00:00Z', now / 1000 - 3600],
    ['1764000000', 1764000000],
  ])('%s', (value, expected) => expect(parseSince(value, now)).toBe(expected));

  it('names the flag and the accepted forms on bad input', () => {
    expect(() => parseSince('yesterday', now)).toThrow(
      /--since: expected a duration like 10m or 2h, or a timestamp/,
    );
  });
});
