/**
 * notesctl's own folder for what the operator must keep and nobody else may read: generated
 * secrets, SSH keys, known hosts, the host store, locks. `$NOTESCTL_HOME`, else `~/.notesctl`.
 * Folders are 0700 and files 0600; notesctl refuses to use them when others can read them.
 */
import { mkdir, open, rename, stat, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UsageError } from './errors.ts';

/** The state folder. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NOTESCTL_HOME ?? join(homedir(), '.notesctl');
}

/** Create a private folder (0700) and check an existing one is not open to others. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await assertPrivate(path, 'folder');
}

/** Refuse files or folders that group or others can read or write. */
export async function assertPrivate(path: string, what: 'file' | 'folder'): Promise<void> {
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8);
    throw new UsageError(`${path} is readable by other users (mode ${mode}); it holds secrets`, {
      hint: `Run \`chmod ${what === 'file' ? '600' : '700'} ${path}\` and try again.`,
    });
  }
}

/** Write a private file atomically (temp file, fsync, rename): never half-written. */
export async function writePrivateFile(path: string, content: string | Buffer): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await chmod(temp, 0o600);
  await rename(temp, path);
}
