/**
 * A build context: the files of a service's folder that Docker would receive (honouring
 * .dockerignore) and a digest of their contents (the image tag, so an unchanged app is never
 * rebuilt). The tar stream sent to the engine is made in context-tar.ts.
 */
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Ignore } from '@balena/dockerignore';

// The package is CommonJS with `module.exports = factory` but types that say `export default`.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (options?: {
  ignorecase?: boolean;
}) => Ignore;

/** One entry of a context. */
interface ContextEntry {
  path: string;
  mode: number;
  kind: 'file' | 'symlink' | 'directory';
  /** Bytes (files), from the listing. */
  size: number;
}

/** The files of a build context. */
export interface BuildContext {
  directory: string;
  dockerfile: string;
  entries: ContextEntry[];
}

/** List what Docker would receive from `directory`, honouring its .dockerignore. */
export async function listContext(directory: string, dockerfile: string): Promise<BuildContext> {
  let patterns: string[] = [];
  try {
    patterns = (await readFile(join(directory, '.dockerignore'), 'utf8')).split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const ignore = dockerignore({ ignorecase: false }).add(patterns);
  // Without negations an ignored folder can be skipped whole (node_modules, .git).
  const canPrune = !patterns.some((p) => p.trim().startsWith('!'));
  const alwaysSent = new Set([dockerfile, '.dockerignore']);
  // Each folder's entries are read in parallel and joined in name order: same list, less waiting.
  const walk = async (folder: string): Promise<ContextEntry[]> => {
    const names = (await readdir(folder)).sort();
    const parts = await Promise.all(
      names.map(async (name): Promise<ContextEntry[]> => {
        const full = join(folder, name);
        const rel = relative(directory, full).split(sep).join('/');
        const info = await lstat(full);
        const ignored = ignore.ignores(rel) && !alwaysSent.has(rel);
        const mode = info.mode & 0o7777;
        if (info.isDirectory()) {
          if (ignored && canPrune) return [];
          const inside = await walk(full);
          return ignored ? inside : [{ path: rel, mode, kind: 'directory', size: 0 }, ...inside];
        }
        if (ignored) return [];
        return [
          { path: rel, mode, kind: info.isSymbolicLink() ? 'symlink' : 'file', size: info.size },
        ];
      }),
    );
    return parts.flat();
  };
  return { directory, dockerfile, entries: await walk(directory) };
}

/** Files up to this size are read whole; larger ones are streamed. */
const READ_WHOLE_BYTES = 1024 * 1024;
/** Files read at once while digesting. */
const READ_CONCURRENCY = 16;

/** What an entry contributes to the digest: a file's sha256, a link's target, nothing for folders. */
async function contentDigest(directory: string, entry: ContextEntry): Promise<string> {
  const full = join(directory, entry.path);
  if (entry.kind === 'symlink') return await readlink(full);
  if (entry.kind !== 'file') return '';
  const hash = createHash('sha256');
  if (entry.size <= READ_WHOLE_BYTES) hash.update(await readFile(full));
  else for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 of the context's paths, modes and contents plus the build settings. */
export async function contextDigest(context: BuildContext, settings: unknown): Promise<string> {
  const { entries } = context;
  const contents: string[] = new Array<string>(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < entries.length; i = next++)
      contents[i] = await contentDigest(context.directory, entries[i] as ContextEntry);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, entries.length) }, worker));
  const hash = createHash('sha256');
  hash.update(JSON.stringify(settings)).update('\0');
  entries.forEach((entry, i) => {
    hash.update(`${entry.kind}\0${entry.path}\0${(entry.mode & 0o111) !== 0 ? 'x' : '-'}\0`);
    hash.update(contents[i] ?? '').update('\0');
  });
  return hash.digest('hex');
}
