/**
 * Node archives on the operator's machine (issue 21): cached under the state folder by file
 * name, hashed as files, downloaded over HTTP(S) with the digest computed while writing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { ensurePrivateDir, stateDir } from '../../state-dir.ts';

/** The folder of cached Node archives (created). */
export async function nodeCacheDir(): Promise<string> {
  await ensurePrivateDir(stateDir());
  const dir = join(stateDir(), 'node');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The hex digest of a file; '' when it cannot be read (absent). */
export async function digestFile(path: string, algorithm: 'sha256' | 'sha512'): Promise<string> {
  const hash = createHash(algorithm);
  try {
    await pipeline(createReadStream(path), hash);
  } catch {
    return '';
  }
  return hash.digest('hex');
}

/** Fetch `url` as text; throws naming the URL. */
export async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

/**
 * Download `url` to `path` through a temp file, which becomes `path` only once `accept` (given
 * the sha256 of what arrived) returns: a refused download never lands in the cache.
 */
export async function downloadFile(
  url: string,
  path: string,
  accept: (sha256: string) => void,
): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || !response.body)
    throw new Error(`HTTP ${response.status} ${response.statusText}`);
  const hash = createHash('sha256');
  const temp = `${path}.${process.pid}.part`;
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as ReadableStream<Uint8Array>),
      tee,
      createWriteStream(temp, { mode: 0o600 }),
    );
    accept(hash.digest('hex'));
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/** The first 16 hex digits of a digest, for messages. */
export function short(digest: string): string {
  return `${digest.slice(0, 16)}…`;
}
