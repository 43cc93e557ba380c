// known_hosts parsing and matching (issue 6): plain, wildcard, negated, hashed and [host]:port
// entries; markers; the verdicts that decide whether a connection goes ahead.
import { describe, expect, it } from 'vitest';
import {
  entryMatches,
  fingerprint,
  formatKnownHostsLine,
  hashHostName,
  judgeHostKey,
  keyTypeOf,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
  withoutHost,
} from '../../../src/engine/ssh/known-hosts.ts';

/** A syntactically real ed25519 key blob whose 32 key bytes are all `fill`. */
function ed25519(fill: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, fill);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(type.length);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(32);
  return Buffer.concat([head, type, len, key]);
}

const A = ed25519(1);
const B = ed25519(2);
const b64 = (blob: Buffer) => blob.toString('base64');

function entries(text: string) {
  return parseKnownHosts(text, '/kh');
}

describe('parseKnownHosts', () => {
  it('reads entries with line numbers and skips comments, blanks and garbage', () => {
    const parsed = entries(
      [
        '# comment',
        '',
        `web1,10.0.0.1 ssh-ed25519 ${b64(A)} root@web1`,
        'broken-line-without-key',
        `@revoked * ssh-ed25519 ${b64(B)}`,
        `@cert-authority *.example ssh-ed25519 ${b64(B)}`,
        `@bogus web ssh-ed25519 ${b64(A)}`,
        'host ssh-ed25519 not!base64',
      ].join('\n'),
    );
    expect(parsed.map((e) => [e.line, e.marker, e.hosts, e.keyType])).toEqual([
      [3, undefined, 'web1,10.0.0.1', 'ssh-ed25519'],
      [5, 'revoked', '*', 'ssh-ed25519'],
      [6, 'cert-authority', '*.example', 'ssh-ed25519'],
    ]);
    expect(parsed[0]?.key.equals(A)).toBe(true);
  });
});

describe('matching a host', () => {
  const match = (hosts: string, hostname: string, port = 22) =>
    entryMatches(
      { file: '', line: 1, marker: undefined, hosts, keyType: 'x', key: A },
      hostname,
      port,
    );

  it('uses the bare name on port 22 and [name]:port otherwise', () => {
    expect(lookupName('Web1.Example', 22)).toBe('web1.example');
    expect(lookupName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
    expect(match('10.0.0.1', '10.0.0.1')).toBe(true);
    expect(match('10.0.0.1', '10.0.0.1', 2222)).toBe(false);
    expect(match('[10.0.0.1]:2222', '10.0.0.1', 2222)).toBe(true);
    expect(match('[10.0.0.1]:2222', '10.0.0.1', 22)).toBe(false);
  });

  it('supports lists, wildcards and negation', () => {
    expect(match('a,b,c', 'b')).toBe(true);
    expect(match('*.example.com', 'web.example.com')).toBe(true);
    expect(match('web?.example.com', 'web1.example.com')).toBe(true);
    expect(match('web?.example.com', 'web12.example.com')).toBe(false);
    expect(match('*.example.com,!db.example.com', 'db.example.com')).toBe(false);
    expect(match('!db.example.com,*.example.com', 'db.example.com')).toBe(false);
    expect(match('10.0.0.*', '10.0.0.17')).toBe(true);
    // Dots are literal, not regex wildcards.
    expect(match('10.0.0.1', '10x0x0x1')).toBe(false);
  });

  it('matches hashed entries (HashKnownHosts), including [host]:port', () => {
    const salt = Buffer.from('saltsaltsaltsaltsalt');
    expect(match(hashHostName('web1', salt), 'web1')).toBe(true);
    expect(match(hashHostName('web1', salt), 'web2')).toBe(false);
    expect(match(hashHostName('[127.0.0.1]:2200', salt), '127.0.0.1', 2200)).toBe(true);
    expect(match(hashHostName('[127.0.0.1]:2200', salt), '127.0.0.1', 22)).toBe(false);
  });

  it('agrees with a hashed line written by ssh-keygen -H', () => {
    // What `ssh-keygen -H` (OpenSSH 9.2) wrote for a "github.com" line.
    const hashed = '|1|PSuJRPlovf8M4oXfublssLq7VsQ=|ZwgYBHMaxOZqfZnt3hoTZwV1WwU=';
    expect(match(hashed, 'github.com')).toBe(true);
    expect(match(hashed, 'gitlab.com')).toBe(false);
    expect(hashHostName('github.com', Buffer.from('PSuJRPlovf8M4oXfublssLq7VsQ=', 'base64'))).toBe(
      hashed,
    );
  });
});

describe('judgeHostKey', () => {
  const text = [
    `web1 ssh-ed25519 ${b64(A)}`,
    `[web1]:2222 ssh-ed25519 ${b64(B)}`,
    `@revoked * ssh-ed25519 ${b64(ed25519(9))}`,
  ].join('\n');

  it('knows a recorded key', () => {
    const verdict = judgeHostKey(entries(text), 'web1', 22, A);
    expect(verdict).toMatchObject({ kind: 'known', entry: { line: 1 } });
  });

  it('calls a different key for a recorded host a change, listing the recorded ones', () => {
    const verdict = judgeHostKey(entries(text), 'web1', 22, B);
    expect(verdict.kind).toBe('changed');
    expect(verdict.kind === 'changed' && verdict.recorded.map((e) => e.line)).toEqual([1]);
  });

  it('treats an unrecorded host as new, port included', () => {
    expect(judgeHostKey(entries(text), 'web2', 22, A).kind).toBe('new');
    expect(judgeHostKey(entries(text), 'web1', 2200, A).kind).toBe('new');
  });

  it('refuses a revoked key whatever host presents it', () => {
    expect(judgeHostKey(entries(text), 'anything', 22, ed25519(9)).kind).toBe('revoked');
  });

  it('lists the recorded key types so the handshake asks for them first', () => {
    expect(
      knownKeyTypes(
        entries(`web1 ecdsa-sha2-nistp256 ${b64(A)}\nweb1 ssh-ed25519 ${b64(B)}`),
        'web1',
        22,
      ),
    ).toEqual(['ecdsa-sha2-nistp256', 'ssh-ed25519']);
  });
});

describe('keys and lines', () => {
  it('computes ssh-keygen style fingerprints and key types', () => {
    expect(keyTypeOf(A)).toBe('ssh-ed25519');
    expect(fingerprint(A)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprint(A)).not.toBe(fingerprint(B));
  });

  it('writes lines that read back as the same host and key', () => {
    const line = formatKnownHostsLine('10.0.0.1', 2222, A);
    expect(line).toBe(`[10.0.0.1]:2222 ssh-ed25519 ${b64(A)}\n`);
    expect(judgeHostKey(entries(line), '10.0.0.1', 2222, A).kind).toBe('known');
  });

  it('forgets exactly the lines of one host', () => {
    const text = `a ssh-ed25519 ${b64(A)}\n[a]:2222 ssh-ed25519 ${b64(A)}\nb ssh-ed25519 ${b64(B)}\n`;
    expect(withoutHost(text, 'a', 22, '/kh')).toBe(
      `[a]:2222 ssh-ed25519 ${b64(A)}\nb ssh-ed25519 ${b64(B)}\n`,
    );
  });
});
