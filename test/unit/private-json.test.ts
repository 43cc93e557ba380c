import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPrivateJson, writePrivateJson } from '../../src/private-json.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs();

/** A path for a store file inside a folder that does not exist yet. */
async function storeFile(): Promise<string> {
  return join(await tempDir('private-json-'), 'store', 'a.json');
}

const parseJson = (text: string): unknown => JSON.parse(text);

describe('private JSON files', () => {
  it('writes indented JSON with a final newline, 0600 in a 0700 folder it creates', async () => {
    const path = await storeFile();
    await writePrivateJson(path, { version: 1, names: ['x'] });
    expect(await readFile(path, 'utf8')).toBe(
      '{\n  "version": 1,\n  "names": [\n    "x"\n  ]\n}\n',
    );
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(path, '..'))).mode & 0o777).toBe(0o700);
  });

  it('reads back what it wrote through the caller’s parser, which gets the exact text', async () => {
    const path = await storeFile();
    await writePrivateJson(path, { a: 1 });
    const texts: string[] = [];
    const value = await readPrivateJson(path, (text) => {
      texts.push(text);
      return JSON.parse(text) as unknown;
    });
    expect(value).toEqual({ a: 1 });
    expect(texts).toEqual(['{\n  "a": 1\n}\n']);
  });

  it('returns undefined for a file that does not exist, without calling the parser', async () => {
    const path = await storeFile();
    const value = await readPrivateJson(path, () => {
      throw new Error('parser called');
    });
    expect(value).toBeUndefined();
  });

  it('refuses a file others can read, naming the chmod that fixes it', async () => {
    const path = await storeFile();
    await writePrivateJson(path, {});
    await chmod(path, 0o644);
    await expect(readPrivateJson(path, parseJson)).rejects.toThrow(
      `${path} is readable by other users (mode 644); it holds secrets`,
    );
  });

  it('checks the folder only when asked to, and before the file', async () => {
    const path = await storeFile();
    await mkdir(join(path, '..'), { mode: 0o755 });
    await chmod(join(path, '..'), 0o755);
    await writeFile(path, '{}', { mode: 0o644 });
    await chmod(path, 0o644);
    await expect(readPrivateJson(path, parseJson)).rejects.toThrow(`${path} is readable`);
    await expect(readPrivateJson(path, parseJson, { privateFolder: true })).rejects.toThrow(
      `${join(path, '..')} is readable by other users (mode 755)`,
    );
    await chmod(path, 0o600);
    await expect(readPrivateJson(path, parseJson)).resolves.toEqual({});
  });

  it('passes the parser’s errors through', async () => {
    const path = await storeFile();
    await writePrivateJson(path, {});
    await expect(
      readPrivateJson(path, () => {
        throw new Error('damaged');
      }),
    ).rejects.toThrow('damaged');
  });
});
