/**
 * Shipping a plain-server release as a delta (issue 21), for real here: releases packed by
 * packTree as `up` packs them, the base manifest read and the archive sent through a Shell that
 * runs the scripts with bash on this machine (/opt/notesctl moved to a scratch folder), and the
 * installed folders compared with the trees they were packed from.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Shell } from '../../../../src/engine/shell.ts';
import { parseManifest } from '../../../../src/targets/systemd/manifest.ts';
import { manifestOfArchive } from '../../../../src/targets/systemd/release-files.ts';
import { packTree } from '../../../../src/targets/systemd/release.ts';
import { shipReleaseScript } from '../../../../src/targets/systemd/scripts.ts';
import {
  describeShipment,
  readBase,
  releaseInput,
} from '../../../../src/targets/systemd/ship-release.ts';

let root: string;
let opt: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'notesctl-ship-'));
  opt = join(root, 'opt');
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A Shell running each script with bash here, /opt/notesctl being `opt`. */
const shell: Shell = {
  hostName: 'vps',
  async run(script, options = {}) {
    const child = spawn('bash', ['-c', script.replaceAll('/opt/notesctl', opt)], {
      env: { PATH: process.env.PATH ?? '', HOME: root },
    });
    const { input } = options;
    if (input === undefined) child.stdin.end();
    else if (Buffer.isBuffer(input)) child.stdin.end(input);
    else input.pipe(child.stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const code = await new Promise<number>((resolve) =>
      child.on('close', (c) => resolve(c ?? 255)),
    );
    return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  },
  attach: () => Promise.reject(new Error('not used')),
  lost: () => undefined,
  close: () => Promise.resolve(),
};

const releases = () => join(opt, 'p', 's', 'releases');

/** Write the tree `files` (path → content; `->target` a symlink; `/` ending: a folder). */
async function tree(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    const at = join(dir, path);
    if (path.endsWith('/')) {
      await mkdir(at, { recursive: true });
      continue;
    }
    await mkdir(dirname(at), { recursive: true });
    if (content.startsWith('->')) await symlink(content.slice(2), at);
    else await writeFile(at, content);
  }
  return dir;
}

/** Pack `dir` as release `id`, read the server's base, send, install; the step's result. */
async function ship(dir: string, id: string) {
  const archive = join(root, 'state', `${id}.tar.gz`);
  await packTree(dir, archive, 'test');
  const manifest = await manifestOfArchive(archive, 'test');
  const { data, shipment } = await releaseInput(shell, 'p', {
    service: 's',
    id,
    archive,
    manifest,
  });
  const result = await shell.run(shipReleaseScript('p', 's', id), { input: data });
  return { result, shipment };
}

/** Every entry of a folder: type, mode, content or target (the manifest itself left out). */
function listing(dir: string): string {
  return execFileSync(
    'bash',
    [
      '-c',
      `cd "$1" && find . -mindepth 1 ! -name .notesctl-files \\( -type f -printf '%p %y %m ' -exec sha256sum {} \\; -o -printf '%p %y %m %l\\n' \\) | LC_ALL=C sort`,
      '_',
      dir,
    ],
    { encoding: 'utf8' },
  );
}

const inode = async (path: string) => (await stat(path)).ino;

const v1 = {
  'dist/app.js': 'console.log(1)\n',
  'dist/cli.js': '#!/usr/bin/env node\n',
  'dist/empty/': '',
  'node_modules/x/LICENSE': 'MIT\n',
  'node_modules/y/LICENSE': 'MIT\n',
  'node_modules/y/a file.js': 'with a space\n',
  'node_modules/.bin/x': '->../x/cli.js',
  'old.txt': 'gone next time\n',
};

describe('shipping a release to a plain server', () => {
  it('sends the whole release with its manifest the first time, installed as packed', async () => {
    const dir = await tree('v1', v1);
    await chmod(join(dir, 'dist', 'cli.js'), 0o700);
    const { result, shipment } = await ship(dir, 'r1');
    expect(result.code, result.stderr).toBe(0);
    expect(shipment).toMatchObject({ base: undefined, filesTotal: 6, filesSent: 6 });
    const installed = join(releases(), 'r1');
    expect(listing(installed)).toBe(listing(dir).replace(/cli\.js f 700/, 'cli.js f 755'));
    expect((await stat(join(installed, 'dist', 'cli.js'))).mode & 0o777).toBe(0o755);
    const manifest = parseManifest(await readFile(join(installed, '.notesctl-files'), 'utf8'));
    expect(manifest?.filter((e) => e.type === 'f')).toHaveLength(6);
  });

  it('then sends only new content, links the rest from current, and survives pruning the base', async () => {
    expect((await ship(await tree('v1', v1), 'r1')).result.code).toBe(0);
    await symlink('releases/r1', join(opt, 'p', 's', 'current'));
    const { 'old.txt': old, ...kept } = v1;
    const dir = await tree('v2', {
      ...kept,
      'dist/app.js': 'console.log(2)\n',
      'dist/moved.txt': old,
      'dist/new.js': 'new\n',
    });
    const { result, shipment } = await ship(dir, 'r2');
    expect(result.code, result.stderr).toBe(0);
    expect(shipment).toMatchObject({ base: 'r1', filesTotal: 7, filesSent: 2 });
    expect(shipment.bytesSent).toBe('console.log(2)\n'.length + 'new\n'.length);
    const [r1, r2] = [join(releases(), 'r1'), join(releases(), 'r2')];
    expect(listing(r2)).toBe(listing(dir));
    // Hard links: unchanged files and moved content are the base's own files.
    expect(await inode(join(r2, 'node_modules/y/a file.js'))).toBe(
      await inode(join(r1, 'node_modules/y/a file.js')),
    );
    expect(await inode(join(r2, 'dist/moved.txt'))).toBe(await inode(join(r1, 'old.txt')));
    expect(await inode(join(r2, 'dist/app.js'))).not.toBe(await inode(join(r1, 'dist/app.js')));
    // Pruning the base removes its names only.
    await rm(r1, { recursive: true });
    expect(listing(r2)).toBe(listing(dir));
    expect(execFileSync('ls', ['-A', releases()], { encoding: 'utf8' })).toBe('r2\n');
  });

  it('fails before naming the release when a linked file does not match, leaving nothing', async () => {
    expect((await ship(await tree('v1', v1), 'r1')).result.code).toBe(0);
    await symlink('releases/r1', join(opt, 'p', 's', 'current'));
    // A base file changed on the server after it was installed (its manifest still says otherwise).
    await writeFile(join(releases(), 'r1', 'node_modules/x/LICENSE'), 'not MIT\n');
    const { result, shipment } = await ship(
      await tree('v2', { ...v1, 'dist/app.js': 'v2\n' }),
      'r2',
    );
    expect(shipment.filesSent).toBe(1);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/node_modules\/x\/LICENSE: FAILED/);
    expect(execFileSync('ls', ['-A', releases()], { encoding: 'utf8' })).toBe('r1\n');
  });

  it('fails naming the base when it is gone between the read and the install', async () => {
    expect((await ship(await tree('v1', v1), 'r1')).result.code).toBe(0);
    const dir = await tree('v2', { ...v1, 'dist/app.js': 'v2\n' });
    const archive = join(root, 'state', 'r2.tar.gz');
    await packTree(dir, archive, 'test');
    const manifest = await manifestOfArchive(archive, 'test');
    const input = await releaseInput(shell, 'p', { service: 's', id: 'r2', archive, manifest });
    expect(input.shipment.base).toBe('r1'); // no current: the newest release with a manifest
    await rm(join(releases(), 'r1'), { recursive: true });
    const result = await shell.run(shipReleaseScript('p', 's', 'r2'), { input: input.data });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'release r1 of s, which this one is sent against, is no longer',
    );
    expect(execFileSync('ls', ['-A', releases()], { encoding: 'utf8' })).toBe('');
  });

  it('reads only the digest of the base manifest when this machine kept the same one', async () => {
    expect((await ship(await tree('v1', v1), 'r1')).result.code).toBe(0);
    const held = await manifestOfArchive(join(root, 'state', 'r1.tar.gz'), 'test');
    const ref = { service: 's', id: 'r2' };
    const same = await readBase(shell, 'p', ref, new Map([['r1', held]]));
    expect(same?.manifest).toBe(held);
    // Another manifest under the same id: the server's is read.
    const other = held.filter((e) => e.path !== 'old.txt');
    const read = await readBase(shell, 'p', ref, new Map([['r1', other]]));
    expect(read).toMatchObject({ id: 'r1', manifest: held });
    expect(read?.manifest).not.toBe(held);
  });

  it('fails when the manifest rebuilt from the base does not match the new one, leaving nothing', async () => {
    expect((await ship(await tree('v1', v1), 'r1')).result.code).toBe(0);
    const dir = await tree('v2', { ...v1, 'dist/app.js': 'v2\n' });
    const archive = join(root, 'state', 'r2.tar.gz');
    await packTree(dir, archive, 'test');
    const manifest = await manifestOfArchive(archive, 'test');
    const input = await releaseInput(shell, 'p', { service: 's', id: 'r2', archive, manifest });
    // The base's manifest changed on the server after it was read.
    const base = join(releases(), 'r1', '.notesctl-files');
    await writeFile(
      base,
      (await readFile(base, 'utf8')).replace('\tdist/empty\n', '\tdist/void\n'),
    );
    const result = await shell.run(shipReleaseScript('p', 's', 'r2'), { input: input.data });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      "the manifest of release r2 of s, rebuilt from release r1's, does not match its sha256",
    );
    expect(execFileSync('ls', ['-A', releases()], { encoding: 'utf8' })).toBe('r1\n');
  });

  it('sends the whole release when the server has releases without a manifest', async () => {
    expect((await ship(await tree('v1', v1), 'r1')).result.code).toBe(0);
    await rm(join(releases(), 'r1', '.notesctl-files'));
    const { result, shipment } = await ship(
      await tree('v2', { ...v1, 'dist/app.js': 'v2\n' }),
      'r2',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(shipment).toMatchObject({ base: undefined, filesSent: 6 });
  });
});

describe('what the ship step says', () => {
  it('names the files and bytes sent, of how many, and the release the rest came from', () => {
    const shipment = {
      ref: 'release abc of notes',
      filesTotal: 2113,
      bytesTotal: 10.1 * 1024 * 1024,
      wireBytes: 12_600,
    };
    expect(describeShipment({ ...shipment, base: 'xyz', filesSent: 3, bytesSent: 42_000 })).toBe(
      '3 files, 41.0 KiB (of 2,113 files, 10.1 MiB; the rest linked from release xyz); 12.3 KiB sent',
    );
    expect(describeShipment({ ...shipment, base: undefined, filesSent: 2113, bytesSent: 1 })).toBe(
      'the whole release, 2,113 files, 10.1 MiB; 12.3 KiB sent',
    );
  });
});
