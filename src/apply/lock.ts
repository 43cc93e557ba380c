/**
 * One `up`/`down` at a time per project and host, from this machine: an exclusive lock file in
 * the state folder holding the owner's pid. A lock whose process is gone is stale and taken
 * over; a live one is waited for (with a deadline), then reported with its owner. The file also
 * lists the owner's engine calls in flight that could still land after it died (in-flight.ts);
 * whoever takes a stale lock over inherits them.
 */
import { open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RuntimeError } from '../errors.ts';
import { ensurePrivateDir, stateDir } from '../state-dir.ts';
import type { InFlightCall } from './in-flight.ts';

interface LockOwner {
  pid: number;
  machine: string;
  command: string;
  since: string;
  /** Engine calls sent and not answered yet (in-flight.ts). */
  inFlight?: InFlightCall[];
}

/** A held lock; release() is idempotent. */
export interface Lock {
  path: string;
  /** The calls a dead owner had in flight, when this lock was taken over from it. */
  inherited: { holder: string; calls: InFlightCall[] } | undefined;
  /** Replace the list of this owner's calls in flight (written before the calls are sent). */
  recordInFlight(calls: InFlightCall[]): Promise<void>;
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
  let inherited: Lock['inherited'];
  for (;;) {
    const owner: LockOwner = {
      pid: process.pid,
      machine: hostname(),
      command,
      since: new Date().toISOString(),
      // Until they are finished, the inherited calls are in flight for this owner too.
      ...(inherited ? { inFlight: inherited.calls } : {}),
    };
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      return heldLock(path, owner, inherited);
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
      inherited = holder?.inFlight?.length
        ? { holder: `\`${holder.command}\` (pid ${holder.pid})`, calls: holder.inFlight }
        : undefined;
      await unlink(path).catch(() => undefined);
      // A list it was writing when it died (see heldLock).
      if (holder) await unlink(`${path}.${holder.pid}.tmp`).catch(() => undefined);
      continue;
    }
    inherited = undefined;
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

function heldLock(path: string, owner: LockOwner, inherited: Lock['inherited']): Lock {
  let released = false;
  // Writes go one after the other, each whole (a new file renamed over the lock), so a crash
  // leaves the last complete list; release() waits for them, so none re-creates the file.
  let writing = Promise.resolve();
  return {
    path,
    inherited,
    recordInFlight(calls) {
      const text = JSON.stringify({ ...owner, inFlight: calls });
      const next = writing.then(async () => {
        if (released) return;
        const temporary = `${path}.${process.pid}.tmp`;
        await writeFile(temporary, text, { mode: 0o600 });
        await rename(temporary, path);
      });
      writing = next.catch(() => undefined);
      return next;
    },
    async release() {
      if (released) return;
      released = true;
      await writing;
      await unlink(path).catch(() => undefined);
    },
  };
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
