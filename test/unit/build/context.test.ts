import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { contextDigest, listContext } from '../../../src/build/context.ts';
import { contextTar } from '../../../src/build/context-tar.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

const tempDir = tempDirs();

async function makeContext(files: Record<string, string>): Promise<string> {
  const dir = await tempDir('ctx-');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

async function tarNames(dir: string): Promise<string[]> {
  const context = await listContext(dir, 'Dockerfile');
  const names: string[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    names.push(header.name);
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((r) => ex.on('finish', () => r()));
  contextTar(context).pipe(ex);
  await done;
  return names.sort();
}

describe('build context', () => {
  it('honours .dockerignore (with negations) and always sends the Dockerfile', async () => {
    const dir = await makeContext({
      Dockerfile: 'FROM x',
      '.dockerignore': 'node_modules\n*.log\ntest\n!test/keep.txt\nDockerfile\n',
      'src/a.ts': 'a',
      'node_modules/x/index.js': 'x',
      'debug.log': 'l',
      'test/skip.ts': 's',
      'test/keep.txt': 'k',
    });
    expect(await tarNames(dir)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'src/a.ts',
      'test/keep.txt',
    ]);
  });

  it('gives the same digest for the same content and a new one when a file changes', async () => {
    const files = { Dockerfile: 'FROM x', 'src/a.ts': 'one' };
    const a = await makeContext(files);
    const b = await makeContext(files);
    const digestOf = async (dir: string, settings: unknown = {}) =>
      contextDigest(await listContext(dir, 'Dockerfile'), settings);
    expect(await digestOf(a)).toBe(await digestOf(b));
    await writeFile(join(b, 'src/a.ts'), 'two');
    expect(await digestOf(b)).not.toBe(await digestOf(a));
    expect(await digestOf(a, { args: { X: '1' } })).not.toBe(await digestOf(a));
  });

  it('ignores files excluded by .dockerignore when computing the digest', async () => {
    const dir = await makeContext({
      Dockerfile: 'FROM x',
      '.dockerignore': '*.log',
      'app.js': '1',
    });
    const before = await contextDigest(await listContext(dir, 'Dockerfile'), {});
    await writeFile(join(dir, 'noise.log'), 'changes all the time');
    expect(await contextDigest(await listContext(dir, 'Dockerfile'), {})).toBe(before);
  });

  it('lists nested folders in name order, whatever order the reads finish in', async () => {
    const dir = await makeContext({
      Dockerfile: 'FROM x',
      'b/z.txt': 'z',
      'b/a/deep.txt': 'd',
      'a.txt': 'a',
      'c/x.txt': 'x',
    });
    const context = await listContext(dir, 'Dockerfile');
    expect(context.entries.map((e) => e.path)).toEqual([
      'Dockerfile',
      'a.txt',
      'b',
      'b/a',
      'b/a/deep.txt',
      'b/z.txt',
      'c',
      'c/x.txt',
    ]);
  });

  it('digests files larger than 1 MiB (streamed) by their content', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const dir = await makeContext({ Dockerfile: 'FROM x', 'big.bin': big });
    const before = await contextDigest(await listContext(dir, 'Dockerfile'), {});
    await writeFile(join(dir, 'big.bin'), `${big.slice(0, -1)}y`);
    expect(await contextDigest(await listContext(dir, 'Dockerfile'), {})).not.toBe(before);
  });
});
