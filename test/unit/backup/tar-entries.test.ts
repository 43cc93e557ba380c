/**
 * What a volume backup's tar holds (issue 23): entries counted from the headers (long names
 * through PAX records included), and an archive with a name outside the volume's folder refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { isUnder, summarizeTar } from '../../../src/backup/tar-entries.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** A gzip'd tar of `entries` in a new file. */
async function tarFile(
  entries: { name: string; type?: 'file' | 'directory' | 'symlink'; content?: string }[],
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tar-entries-'));
  dirs.push(dir);
  const archive = pack();
  for (const e of entries) {
    if (e.type === 'file' || e.type === undefined) archive.entry({ name: e.name }, e.content ?? '');
    else if (e.type === 'symlink') archive.entry({ name: e.name, type: 'symlink', linkname: 'x' });
    else archive.entry({ name: e.name, type: 'directory' });
  }
  archive.finalize();
  const file = join(dir, 'a.tar.gz');
  await pipeline(archive, createGzip(), createWriteStream(file));
  return file;
}

describe('summarizeTar', () => {
  it('counts files, folders, links and content bytes, long names included', async () => {
    const long = `volume/${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const file = await tarFile([
      { name: 'volume', type: 'directory' },
      { name: 'volume/a.txt', content: 'hello' },
      { name: 'volume/sub', type: 'directory' },
      { name: long, content: 'x'.repeat(1000) },
      { name: 'volume/link', type: 'symlink' },
    ]);
    expect(await summarizeTar(file, 'volume')).toEqual({
      files: 2,
      folders: 2,
      others: 1,
      bytes: 1005,
    });
  });

  it('refuses an archive with a name outside the folder', async () => {
    const file = await tarFile([{ name: 'volume/../etc/passwd', content: 'x' }]);
    await expect(summarizeTar(file, 'volume')).rejects.toThrow(/outside volume\//);
    const other = await tarFile([{ name: 'other/a', content: 'x' }]);
    await expect(summarizeTar(other, 'volume')).rejects.toThrow(/"other\/a"/);
  });

  it('isUnder', () => {
    expect(isUnder('volume', 'volume/')).toBe(true);
    expect(isUnder('volume', 'volume/a/b')).toBe(true);
    expect(isUnder('volume', '/volume/a')).toBe(false);
    expect(isUnder('volume', 'volumes/a')).toBe(false);
    expect(isUnder('volume', 'volume/a/../../b')).toBe(false);
  });
});
