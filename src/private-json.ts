/**
 * Private JSON files in the state folder (the host store, the secret store): written atomically
 * as 0600 in a 0700 folder, read only when nobody else can read them. Each store parses and
 * checks its own format; this module owns the file handling they share.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertPrivate, writePrivateFile } from './state-dir.ts';

/** How to read a private JSON file. */
export interface ReadPrivateOptions {
  /**
   * Refuse the file when its folder is open to others too: a folder others can enter lists
   * every name in it (the secret store's projects and hosts).
   */
  privateFolder?: boolean;
}

/**
 * Read a private file and `parse` its text; undefined when the file does not exist. A file
 * (or with `privateFolder`, a folder) that others can read is refused with a UsageError naming
 * the `chmod` that fixes it.
 */
export async function readPrivateJson<T>(
  path: string,
  parse: (text: string) => T | Promise<T>,
  options: ReadPrivateOptions = {},
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (options.privateFolder) await assertPrivate(dirname(path), 'folder');
  await assertPrivate(path, 'file');
  return parse(text);
}

/** Write `value` as indented JSON with a final newline, atomically, 0600 in a 0700 folder. */
export async function writePrivateJson(path: string, value: unknown): Promise<void> {
  await writePrivateFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
