/**
 * A build context: the files of a service's folder that Docker would receive (honouring
 * .dockerignore), a digest of their contents (the image tag, so an unchanged app is never
 * rebuilt), and the tar stream sent to the engine, with fixed mtimes and owners so the same
 * files always make the same tar and Docker's layer cache stays warm.
 */
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { join, relative, sep } from 'node:path';
import { pack } from 'tar-fs';
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
  const entries: ContextEntry[] = [];

  const walk = async (folder: string): Promise<void> => {
    const names = (await readdir(folder)).sort();
    for (const name of names) {
      const full = join(folder, name);
      const rel = relative(directory, full).split(sep).join('/');
      const info = await lstat(full);
      const ignored = ignore.ignores(rel) && !alwaysSent.has(rel);
      if (info.isDirectory()) {
        if (ignored && canPrune) continue;
        if (!ignored) entries.push({ path: rel, mode: info.mode & 0o7777, kind: 'directory' });
        await walk(full);
      } else if (!ignored) {
        entries.push({
          path: rel,
          mode: info.mode & 0o7777,
          kind: info.isSymbolicLink() ? 'symlink' : 'file',
        });
      }
    }
  };
  await walk(directory);
  return { directory, dockerfile, entries };
}

/** sha256 of the context's paths, modes and contents plus the build settings. */
export async function contextDigest(context: BuildContext, settings: unknown): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(settings)).update('\0');
  for (const entry of context.entries) {
    hash.update(`${entry.kind}\0${entry.path}\0${(entry.mode & 0o111) !== 0 ? 'x' : '-'}\0`);
    const full = join(context.directory, entry.path);
    if (entry.kind === 'file') {
      for await (const chunk of createReadStream(full)) hash.update(chunk as Buffer);
    } else if (entry.kind === 'symlink') {
      hash.update(await readlink(full));
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** The context as a tar stream with normalised headers. */
export function contextTar(context: BuildContext): Readable {
  return pack(context.directory, {
    // Files and links only: tar-fs would walk a listed folder whole, ignored files included.
    entries: context.entries.filter((e) => e.kind !== 'directory').map((e) => e.path),
    map(header) {
      header.mtime = new Date(0);
      header.uid = 0;
      header.gid = 0;
      return header;
    },
  }) as unknown as Readable;
}
