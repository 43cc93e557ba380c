/**
 * Where a plain server's Node comes from (issue 21), through the real download path: the
 * default source, nodejs.org, against a stand-in of its release folder served on loopback
 * (test/support/node-mirror.ts: this machine cannot reach nodejs.org), and an operator's file.
 * The tarballs hold a small stand-in for bin/node here (nothing runs it; the integration tests
 * ship the real binary to a VPS).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../../../src/errors.ts';
import { fileSource } from '../../../../src/targets/systemd/node-file.ts';
import { officialSource } from '../../../../src/targets/systemd/node-official.ts';
import { startNodeMirror, type NodeMirror } from '../../../support/node-mirror.ts';

const VERSION = '24.7.3';
const XZ = `node-v${VERSION}-linux-x64.tar.xz`;
const GZ = `node-v${VERSION}-linux-x64.tar.gz`;
const X64 = { machine: 'x86_64', xz: true };

let dir: string;
let mirror: NodeMirror;
const home = process.env.NOTESCTL_HOME;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'notesctl-node-sources-'));
  process.env.NOTESCTL_HOME = join(dir, 'state');
  const binary = join(dir, 'node-stand-in');
  await writeFile(binary, `#!/bin/sh\necho v${VERSION}\n`, { mode: 0o755 });
  mirror = await startNodeMirror({ version: VERSION, binary, dir: join(dir, 'mirror') });
});

afterAll(async () => {
  if (home === undefined) delete process.env.NOTESCTL_HOME;
  else process.env.NOTESCTL_HOME = home;
  await mirror.close();
  await rm(dir, { recursive: true, force: true });
});

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

describe('source: nodejs.org (a loopback stand-in mirror)', () => {
  it('takes the newest release of the major from index.json', async () => {
    expect(await officialSource(mirror.url, 'vps').newest(24, 'x64')).toBe(VERSION);
    expect(await officialSource(mirror.url, 'vps').newest(24, 'arm64')).toBe(VERSION);
  });

  it('names the key and what to do when the mirror has no such major', async () => {
    await expect(officialSource(mirror.url, 'vps').newest(19, 'x64')).rejects.toThrow(
      `${mirror.url}/index.json lists no Node.js 19 release for linux-x64`,
    );
  });

  it('downloads the .tar.xz listed in SHASUMS256.txt, verified, into the cache', async () => {
    const source = officialSource(mirror.url, 'vps');
    const archive = await source.archive(VERSION, X64);
    expect(archive).toMatchObject({
      name: XZ,
      member: `node-v${VERSION}-linux-x64/bin/node`,
      compression: 'xz',
      algorithm: 'sha256',
      origin: mirror.url,
    });
    const file = await source.fetch(archive);
    expect(file).toBe(join(dir, 'state', 'node', XZ));
    expect(await sha256(file)).toBe(archive.digest);
    expect(await sha256(join(dir, 'mirror', XZ))).toBe(archive.digest);
    // Cached: a second fetch asks the mirror for nothing.
    const asked = mirror.requests.length;
    expect(await source.fetch(archive)).toBe(file);
    expect(mirror.requests.length).toBe(asked);
  });

  it('takes the .tar.gz for a server without xz', async () => {
    const archive = await officialSource(mirror.url, 'vps').archive(VERSION, {
      machine: 'x86_64',
      xz: false,
    });
    expect(archive).toMatchObject({ name: GZ, compression: 'gz' });
    expect(archive.digest).toBe(await sha256(join(dir, 'mirror', GZ)));
  });

  it('refuses a tampered tarball and keeps it out of the cache', async () => {
    const source = officialSource(mirror.url, 'vps');
    const archive = await source.archive(VERSION, { machine: 'x86_64', xz: false });
    mirror.tamper(GZ);
    try {
      const refused = await source.fetch(archive).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(RuntimeError);
      expect((refused as Error).message).toMatch(
        new RegExp(
          `^${mirror.url}/v${VERSION}/${GZ.replaceAll('.', '\\.')}: sha256 [0-9a-f]{16}… does not match ${archive.digest.slice(0, 16)}… in its SHASUMS256\\.txt — refused, nothing was sent to the server$`,
        ),
      );
      expect(await readdir(join(dir, 'state', 'node'))).not.toContain(GZ);
    } finally {
      mirror.tamper(GZ, false);
    }
    expect(await sha256(await source.fetch(archive))).toBe(archive.digest);
  });

  it('says which key to change when the mirror cannot be reached', async () => {
    const gone = 'http://127.0.0.1:9/dist';
    const error = await officialSource(gone, 'vps')
      .newest(24, 'x64')
      .catch((e: unknown) => e as RuntimeError);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).message).toMatch(
      /^cannot read http:\/\/127\.0\.0\.1:9\/dist\/index\.json: fetch failed/,
    );
    expect((error as RuntimeError).hint).toBe(
      'Set hosts.vps.node.mirror to a copy of nodejs.org/dist this machine can reach, or hosts.vps.node.source to npm or file.',
    );
  });

  it('refuses a server Node has no build for', async () => {
    await expect(
      officialSource(mirror.url, 'vps').archive(VERSION, { machine: 'i686', xz: true }),
    ).rejects.toThrow('vps is a i686 machine, for which Node.js publishes no Linux build');
  });
});

describe('source: file', () => {
  it('checks the tarball against a SHASUMS256.txt beside it', async () => {
    const folder = await mkdtemp(join(dir, 'file-'));
    const path = join(folder, XZ);
    await copyFile(join(dir, 'mirror', XZ), path);
    const sums = await fetch(`${mirror.url}/v${VERSION}/SHASUMS256.txt`);
    await writeFile(join(folder, 'SHASUMS256.txt'), await sums.text());
    const source = fileSource(path, 'vps');
    const archive = await source.archive(VERSION, X64);
    expect(archive.digest).toBe(await sha256(path));
    expect(archive.origin).toBe(`${path} (listed in SHASUMS256.txt beside it)`);
    expect(await source.fetch(archive)).toBe(path);
    // A file that is not what the list says is refused.
    await writeFile(path, 'not the tarball');
    await expect(source.archive(VERSION, X64)).rejects.toThrow(
      /sha256 [0-9a-f]{16}… does not match [0-9a-f]{16}… in .*SHASUMS256\.txt — refused, nothing was sent to the server$/,
    );
  });

  it('records the sha256 of a lone file, and refuses it if it changes before it is sent', async () => {
    const folder = await mkdtemp(join(dir, 'lone-'));
    const path = join(folder, GZ);
    await copyFile(join(dir, 'mirror', GZ), path);
    const source = fileSource(path, 'vps');
    const archive = await source.archive(VERSION, { machine: 'x86_64', xz: false });
    expect(archive).toMatchObject({ digest: await sha256(path), origin: path, compression: 'gz' });
    await writeFile(path, 'swapped');
    await expect(source.fetch(archive)).rejects.toThrow(/changed since the plan/);
  });

  it('refuses a build for another architecture, naming the key', async () => {
    await expect(
      fileSource(join(dir, 'mirror', XZ), 'vps').archive(VERSION, {
        machine: 'aarch64',
        xz: true,
      }),
    ).rejects.toThrow('hosts.vps.node.file is a linux-x64 build, but vps is arm64');
  });
});
