/**
 * One `up`/`down` at a time per project and host, from this machine: an exclusive lock file in
 * the state folder holding the owner's pid. A lock whose process is gone is stale and taken
 * over; a live one is waited for (with a deadline), then reported with its owner.
 */
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { ensurePrivateDir, stateDir } from '../state-dir.ts';

interface LockOwner {
  pid: number;
  machine: string;
  command: string;
  since: string;
}

/** A held lock; release() is idempotent. */
export interface Lock {
  path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock for `project` on `host`, waiting up to `waitMs` for another holder. */
export async function acquireLock(
  project: string,
  host: string,
  command: string,
  options: { waitMs: number; onWait?: (owner: string) => void; env?: NodeJS.ProcessEnv },
): Promise<Lock> {
  const folder = join(stateDir(options.env), 'locks');
  await ensurePrivateDir(folder);
  const path = join(folder, `${project}@${host}.lock`);
  const deadline = Date.now() + options.waitMs;
  let announced = false;
  for (;;) {
    const owner: LockOwner = {
      pid: process.pid,
      machine: hostname(),
      command,
      since: new Date().toISOString(),
    };
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(path);
    if (holder === undefined && (await ageMs(path)) < 2_000) {
      // Another process is between creating the file and writing its owner line.
      await new Promise((r) => setTimeout(r, 50));
      continue;
    }
    if (holder === undefined || (holder.machine === hostname() && !alive(holder.pid))) {
      // Stale: its process died (kill -9, power loss). Remove it and try again.
      await unlink(path).catch(() => undefined);
      continue;
    }
    const who = `\`${holder.command}\` (pid ${holder.pid} on ${holder.machine}, since ${holder.since})`;
    if (Date.now() >= deadline) {
      throw new RuntimeError(`project ${project} on ${host} is locked by ${who}`, {
        hint: `Wait for it to finish. If that process is gone for good, remove ${path}.`,
      });
    }
    if (!announced) {
      options.onWait?.(who);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function ageMs(path: string): Promise<number> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    // Empty or half-written by a process killed between open and write: treat as stale.
    return undefined;
  }
}
