/**
 * Backup files on the operator's machine (issue 23): `<project>-<item>-<UTC time>.sql.gz` (a
 * database dump) or `.tar.gz` (a volume), each beside a manifest `<file>.json` holding its
 * SHA-256, sizes and origin. A file is written as `.<name>.partial`, checked while it arrives
 * (the checksum, a full decompression, and the dump's own last line or the tar's end blocks),
 * and renamed only then; the manifest comes last, so a file with a manifest is complete. The
 * same checks run again before a restore touches anything.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { RuntimeError } from '../errors.ts';

/** What a backup's manifest records. */
export interface BackupManifest {
  format: 'notesctl-backup/1';
  kind: 'mariadb-dump' | 'volume-tar';
  notesctl: string;
  project: string;
  host: string;
  /** The database service, or the volume. */
  item: string;
  /** The database dumped (dumps only). */
  database?: string;
  /** The image of the service's instance (dumps), e.g. mariadb:10.11. */
  image?: string;
  /** The dump tool's own header line (dumps): `MariaDB dump 10.19  Distrib 10.11.19-MariaDB…`. */
  tool?: string;
  /** Services held while a volume was copied, and how. */
  held?: { services: string[]; how: string };
  createdAt: string;
  file: string;
  compression: 'gzip';
  /** Bytes of the file, and of what it holds uncompressed. */
  bytes: number;
  contentBytes: number;
  sha256: string;
  seconds: number;
}

/** What checking a backup's bytes found. */
export interface ContentCheck {
  bytes: number;
  contentBytes: number;
  sha256: string;
  /** The first line of the content (a dump's tool header). */
  firstLine: string;
}

/** `2026-12-07T12:34:56.789Z` → `20261207T123456Z`. */
export function fileStamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replaceAll('-', '').replaceAll(':', '')}Z`;
}

/** The base name of a new backup file. */
export function backupFileName(
  project: string,
  item: string,
  kind: BackupManifest['kind'],
  date: Date,
): string {
  return `${project}-${item}-${fileStamp(date)}.${kind === 'mariadb-dump' ? 'sql' : 'tar'}.gz`;
}

/** A dump is whole when its last line is the tool's own `-- Dump completed`. */
const DUMP_END = /-- Dump completed[^\n]*\n?$/;

/**
 * A sink for a backup's compressed bytes: it hashes, decompresses (checking the content's end)
 * and counts them; `check()` resolves once the whole content was seen, or rejects naming what
 * is wrong. `out` also receives the bytes (the file), when given.
 */
export function checkingSink(
  kind: BackupManifest['kind'],
  out?: Writable,
): { sink: Writable; check: () => Promise<ContentCheck> } {
  const hash = createHash('sha256');
  const gunzip = createGunzip();
  let bytes = 0;
  let contentBytes = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0);
  gunzip.on('data', (chunk: Buffer) => {
    contentBytes += chunk.length;
    if (head.length < 512) head = Buffer.concat([head, chunk]).subarray(0, 512);
    tail = Buffer.concat([tail, chunk]).subarray(-1024);
  });
  const decompressed = new Promise<void>((resolve, reject) => {
    gunzip.on('end', resolve);
    gunzip.on('error', reject);
  });
  // Looked at in check(); until then a damaged stream must not count as an unhandled rejection.
  decompressed.catch(() => undefined);
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      gunzip.write(chunk);
      if (!out) return callback();
      if (out.write(chunk)) callback();
      else out.once('drain', () => callback());
    },
    final(callback) {
      gunzip.end();
      if (!out) return callback();
      out.end(() => callback());
    },
  });
  const check = async (): Promise<ContentCheck> => {
    try {
      await decompressed;
    } catch (error) {
      throw new Error(`not a whole gzip stream (${(error as Error).message})`, { cause: error });
    }
    if (kind === 'mariadb-dump' && !DUMP_END.test(tail.toString('latin1'))) {
      throw new Error('the dump does not end with its "-- Dump completed" line (truncated)');
    }
    if (kind === 'volume-tar' && (contentBytes % 512 !== 0 || tail.some((b) => b !== 0))) {
      throw new Error('the archive does not end with the tar end-of-archive blocks (truncated)');
    }
    const firstLine =
      head
        .toString('utf8')
        .split('\n')
        .find((l) => l.startsWith('-- ')) ?? '';
    return { bytes, contentBytes, sha256: hash.digest('hex'), firstLine: firstLine.slice(3) };
  };
  return { sink, check };
}

/** A new file in `dir`, written as a hidden partial file; commit() renames it into place. */
export async function partialFile(
  dir: string,
  name: string,
): Promise<{ stream: Writable; commit: () => Promise<string>; discard: () => Promise<void> }> {
  const final = join(dir, name);
  // Its own name: a killed backup's partial file (its name has the same second) is no obstacle.
  const partial = join(dir, `.${name}.${randomBytes(4).toString('hex')}.partial`);
  const handle = await open(partial, 'wx', 0o600);
  const stream = handle.createWriteStream();
  return {
    stream,
    async commit() {
      await open(final, 'wx', 0o600).then((h) => h.close());
      await rename(partial, final);
      return final;
    },
    discard: () => rm(partial, { force: true }),
  };
}

/** Write the manifest of `file` (mode 0600). */
export async function writeManifest(file: string, manifest: BackupManifest): Promise<void> {
  await writeFile(`${file}.json`, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
}

/** The manifest beside `file`, or why there is none usable. */
export async function readManifest(file: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(`${file}.json`, 'utf8');
  } catch {
    throw new RuntimeError(`${file}: its manifest ${basename(file)}.json is missing`, {
      hint: 'A backup is restored with the manifest written beside it (it holds the checksum): copy both files.',
    });
  }
  const manifest = JSON.parse(text) as Partial<BackupManifest>;
  if (manifest.format !== 'notesctl-backup/1' || typeof manifest.sha256 !== 'string') {
    throw new RuntimeError(`${file}.json is not a notesctl backup manifest`);
  }
  return manifest as BackupManifest;
}

/** Check `file` against its manifest: checksum, size and content. Rejects before any change. */
export async function verifyBackupFile(
  file: string,
  manifest: BackupManifest,
): Promise<ContentCheck> {
  const { sink, check } = checkingSink(manifest.kind);
  let found: ContentCheck;
  try {
    await pipeline(createReadStream(file), sink);
    found = await check();
  } catch (error) {
    throw new RuntimeError(`${file} is damaged: ${(error as Error).message}; nothing was changed`, {
      hint: 'Restore another backup (`ls` the backup folder), or take a new one.',
    });
  }
  if (found.sha256 !== manifest.sha256 || found.bytes !== manifest.bytes) {
    throw new RuntimeError(
      `${file} does not match its manifest (sha256 ${found.sha256.slice(0, 16)}…, ${found.bytes} bytes; the manifest says ${manifest.sha256.slice(0, 16)}…, ${manifest.bytes} bytes); nothing was changed`,
      { hint: 'The file was changed or damaged after the backup: restore another one.' },
    );
  }
  return found;
}

/**
 * Delete all but the newest `keep` backups of `item` of `project` in `dir` (by the manifests'
 * times), each with its manifest; the files deleted.
 */
export async function pruneBackups(
  dir: string,
  project: string,
  item: string,
  keep: number,
): Promise<string[]> {
  const manifests: BackupManifest[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.gz.json')) continue;
    try {
      const m = JSON.parse(await readFile(join(dir, name), 'utf8')) as Partial<BackupManifest>;
      if (m.format === 'notesctl-backup/1' && m.project === project && m.item === item)
        manifests.push(m as BackupManifest);
    } catch {
      // Not ours, or unreadable: never deleted.
    }
  }
  manifests.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  const removed: string[] = [];
  for (const m of manifests.slice(keep)) {
    const file = join(dir, basename(m.file));
    await rm(file, { force: true });
    await rm(`${file}.json`, { force: true });
    removed.push(file);
  }
  return removed;
}
