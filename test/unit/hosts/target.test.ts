// SSH targets on the command line: `user@host[:port]`, IPv6 in brackets.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.ts';
import { parseTarget } from '../../../src/hosts/target.ts';
import { describeEndpoint } from '../../../src/engine/ssh/endpoint.ts';

describe('parseTarget', () => {
  it.each([
    ['root@203.0.113.10', { user: 'root', hostname: '203.0.113.10', port: 22 }],
    ['deploy@web.example.com:2222', { user: 'deploy', hostname: 'web.example.com', port: 2222 }],
    ['ops@[2001:db8::1]:2200', { user: 'ops', hostname: '2001:db8::1', port: 2200 }],
    ['ops@[2001:db8::1]', { user: 'ops', hostname: '2001:db8::1', port: 22 }],
  ])('%s', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
    expect(describeEndpoint(expected)).toBe(
      `${expected.user}@${expected.hostname.includes(':') ? `[${expected.hostname}]` : expected.hostname}:${expected.port}`,
    );
  });

  it.each([
    '203.0.113.10',
    'root@',
    '@host',
    'root@host:0',
    'root@host:65536',
    'root@[nope]:22',
    'root@host:22:33',
    'a b@host',
  ])('rejects %s', (text) => {
    expect(() => parseTarget(text)).toThrow(UsageError);
  });
});
