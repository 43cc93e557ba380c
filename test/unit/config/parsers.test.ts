/** The small parsers behind normalisation: durations, ports, SSH targets, words, Dockerfiles. */
import { describe, expect, it } from 'vitest';
import { dockerfileHasHealthcheck } from '../../../src/config/dockerfile.ts';
import { parseDuration } from '../../../src/config/durations.ts';
import { normalizeHealthTest } from '../../../src/config/healthcheck-test.ts';
import { parsePort } from '../../../src/config/ports.ts';
import { splitWords } from '../../../src/config/shell-words.ts';
import { parseSshTarget } from '../../../src/config/ssh-target.ts';
import { editDistance, suggest } from '../../../src/config/suggest.ts';
import { findInvalidUtf8 } from '../../../src/config/utf8.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    [2, 2000],
    [0.25, 250],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });
});

describe('parsePort', () => {
  it('parses host and container ports, protocol and IP', () => {
    expect(parsePort('3000:3000')).toEqual({
      port: { hostIp: undefined, hostPort: 3000, containerPort: 3000, protocol: 'tcp' },
    });
    expect(parsePort('127.0.0.1:8080:80/udp')).toEqual({
      port: { hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' },
    });
    expect(parsePort('[::1]:8080:80')).toEqual({
      port: { hostIp: '::1', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    });
  });

  it('rejects out-of-range ports and bad addresses', () => {
    expect(parsePort('0:80')).toEqual({ error: 'host port 0 is out of range (1-65535)' });
    expect(parsePort('[::g]:1:1')).toEqual({ error: 'invalid IP address "[::g]" in "[::g]:1:1"' });
  });
});

describe('parseSshTarget', () => {
  it('defaults the port to 22 and accepts bracketed IPv6', () => {
    expect(parseSshTarget('root@203.0.113.10')).toEqual({
      user: 'root',
      hostname: '203.0.113.10',
      port: 22,
    });
    expect(parseSshTarget('deploy@[2001:db8::1]:2222')).toEqual({
      user: 'deploy',
      hostname: '2001:db8::1',
      port: 2222,
    });
  });
});

describe('splitWords', () => {
  it.each([
    ['node dist/server.js', ['node', 'dist/server.js']],
    [`sh -c 'echo "$HOME"; exit 1'`, ['sh', '-c', 'echo "$HOME"; exit 1']],
    ['a "b c" d\\ e ""', ['a', 'b c', 'd e', '']],
    ['  spaced   out  ', ['spaced', 'out']],
  ])('%s', (text, words) => {
    expect(splitWords(text)).toEqual({ words });
  });
});

describe('normalizeHealthTest', () => {
  it('maps the accepted forms to Docker arrays', () => {
    expect(normalizeHealthTest('curl -f http://localhost/')).toEqual({
      test: ['CMD-SHELL', 'curl -f http://localhost/'],
    });
    expect(normalizeHealthTest('CMD-SHELL pg_isready')).toEqual({
      test: ['CMD-SHELL', 'pg_isready'],
    });
    expect(normalizeHealthTest(['NONE'])).toEqual({ test: ['NONE'] });
    expect(normalizeHealthTest(['CMD'])).toHaveProperty('error');
  });
});

describe('dockerfileHasHealthcheck', () => {
  const multi =
    'FROM node:24 AS base\nHEALTHCHECK CMD true\nFROM base AS app\nFROM node:24 AS bare\n';
  it('follows stages and targets', () => {
    expect(dockerfileHasHealthcheck(multi, 'app')).toBe(true);
    expect(dockerfileHasHealthcheck(multi, 'bare')).toBe(false);
    expect(dockerfileHasHealthcheck(multi)).toBe(false);
    expect(dockerfileHasHealthcheck('FROM x\nhealthcheck --interval=1s \\\n CMD true\n')).toBe(
      true,
    );
    expect(dockerfileHasHealthcheck('FROM x\nHEALTHCHECK CMD true\nHEALTHCHECK NONE\n')).toBe(
      false,
    );
    expect(dockerfileHasHealthcheck('FROM x\n# HEALTHCHECK CMD true\n')).toBe(false);
  });
});

describe('suggest', () => {
  it('finds typos, transpositions and prefixes, not unrelated words', () => {
    expect(editDistance('netwroks', 'networks')).toBe(1);
    expect(suggest('netwroks', ['networks', 'volumes'])).toBe('networks');
    expect(suggest('healthch', ['healthcheck', 'host'])).toBe('healthcheck');
    expect(suggest('zzz', ['networks', 'volumes'])).toBeUndefined();
    expect(suggest('db', ['ab', 'web'])).toBe('ab');
  });
});

describe('findInvalidUtf8', () => {
  it('finds the first bad byte, including overlong forms and surrogates', () => {
    expect(findInvalidUtf8(Buffer.from('héllo ✓ 🎉'))).toBe(-1);
    expect(findInvalidUtf8(Buffer.from([0x61, 0xff]))).toBe(1);
    expect(findInvalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0);
    expect(findInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1);
    expect(findInvalidUtf8(Buffer.from([0xe2, 0x9c]))).toBe(0);
  });
});
