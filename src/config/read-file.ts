/**
 * Reading the topology file and its `.env` neighbour: size limit before reading (a 5 GB file must
 * not be loaded to be refused) and strict UTF-8 with the position of a bad byte.
 */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import type { ConfigProblem } from '../errors.ts';
import { decodeUtf8 } from './utf8.ts';
import { formatBytes } from '../output/bytes.ts';

/** Largest topology (or .env) file accepted, in bytes. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** What reading produced: the text, or the problems that stopped it. */
export type ReadResult = { text: string } | { problems: ConfigProblem[] };

/** What reading bytes produced: the bytes, or the problems that stopped it (`missing`: ENOENT). */
export type BytesResult = { bytes: Uint8Array } | { problems: ConfigProblem[]; missing: boolean };

/**
 * Read a file of at most MAX_FILE_BYTES without decoding it; `shown` is the name used in
 * messages. The size is checked before reading: a 5 GB file is refused, never loaded.
 */
export async function readFileBytes(path: string, shown: string): Promise<BytesResult> {
  const fail = (message: string, missing = false): BytesResult => ({
    problems: [{ file: shown, path: '(file)', message }],
    missing,
  });
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail(`file not found (looked for ${resolve(path)})`, true);
    return fail(`cannot read the file: ${(error as Error).message}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return fail('expected a file, got a directory or device');
    if (stat.size > MAX_FILE_BYTES) {
      return fail(
        `file is ${formatBytes(stat.size)}; the limit is 1 MiB — is this the right file?`,
      );
    }
    // Read at most one byte past the limit: the file may have grown since stat.
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_FILE_BYTES) return fail('file is larger than the 1 MiB limit');
    return { bytes: buffer.subarray(0, bytesRead) };
  } finally {
    await handle.close();
  }
}

/** Read a text file of at most MAX_FILE_BYTES as UTF-8; `shown` is the name used in messages. */
export async function readTextFile(path: string, shown: string): Promise<ReadResult> {
  const read = await readFileBytes(path, shown);
  return 'problems' in read ? { problems: read.problems } : decodeText(read.bytes, shown);
}

/** Decode bytes already in memory with the same rules as a file (size, strict UTF-8). */
export function decodeText(bytes: Uint8Array, shown: string): ReadResult {
  if (bytes.length > MAX_FILE_BYTES) {
    return {
      problems: [
        {
          file: shown,
          path: '(file)',
          message: `file is ${formatBytes(bytes.length)}; the limit is 1 MiB`,
        },
      ],
    };
  }
  const decoded = decodeUtf8(bytes);
  if ('text' in decoded) return decoded;
  const hex = decoded.byte.toString(16).padStart(2, '0');
  const { line, column } = decoded.position;
  const message = `invalid UTF-8: byte 0x${hex} at offset ${decoded.offset} — save the file as UTF-8`;
  return { problems: [{ file: shown, line, column, path: '(file)', message }] };
}

/** What a `.env` file gave: its variables, or the problems that stopped reading it. */
export type DotEnvResult = { env: Record<string, string> } | { problems: ConfigProblem[] };

/** Variables of `.env` bytes already read (compose-like `KEY=value` lines); none → empty. */
export function parseDotEnv(bytes: Uint8Array | undefined, shown: string): DotEnvResult {
  if (bytes === undefined) return { env: {} };
  const read = decodeText(bytes, shown);
  if ('problems' in read) return read;
  return { env: parseEnv(read.text) as Record<string, string> };
}

/** Variables of a `.env` file; missing file → empty. */
export async function readDotEnv(path: string, shown: string): Promise<DotEnvResult> {
  const read = await readFileBytes(path, shown);
  if ('problems' in read) return read.missing ? { env: {} } : { problems: read.problems };
  return parseDotEnv(read.bytes, shown);
}
