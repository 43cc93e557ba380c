/**
 * One `up`/`down` at a time per project and host, from this machine: an exclusive lock file in
 * the state folder holding the owner's pid. A lock whose process is gone is stale and taken
 * over; a live one is waited for (with a deadline), then reported with its owner. The file also
 * lists the owner's engine calls in flight that could still land after it died (in-flight.ts);
 * whoever takes a stale lock over inherits them. An owner that ends with calls still unanswered
 * (its link to the engine broke) leaves the file behind, marked released, for the next run.
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
  /** The owner has ended; the file stays only to hand its unanswered calls on. */
  released?: boolean;
}

/** A held lock; release() is idempotent. */
export interface Lock {
  path: string;
  /**
   * The calls a previous owner left unanswered, when this lock was taken over from it: `from`
   * says who sent them and why they were left ("an interrupted `notesctl down` (pid 42)").
   */
  inherited: { from: string; calls: InFlightCall[] } | undefined;
  /** Replace the list of this owner's calls in flight (written before the calls are sent). */
  recordInFlight(calls: InFlightCall[]): Promise<void>;
  /** Give the lock up; calls still listed stay in the file for the next owner. */
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
    if (
      holder === undefined ||
      holder.released === true ||
      (holder.machine === hostname() && !alive(holder.pid))
    ) {
      // Stale: its process died (kill -9, power loss), or ended with calls unanswered. Remove it
      // and try again.
      inherited = holder?.inFlight?.length
        ? { from: senderOf(holder), calls: holder.inFlight }
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

/** Who sent a stale owner's calls, and why they were left unanswered. */
function senderOf(holder: LockOwner): string {
  const who = `\`${holder.command}\` (pid ${holder.pid})`;
  return holder.released === true ? `${who} before it lost the engine` : `an interrupted ${who}`;
}

function heldLock(path: string, owner: LockOwner, inherited: Lock['inherited']): Lock {
  let released = false;
  let listed = owner.inFlight ?? [];
  // Writes go one after the other, each whole (a new file renamed over the lock), so a crash
  // leaves the last complete list; release() waits for them, so none re-creates the file.
  let writing = Promise.resolve();
  const write = async (contents: LockOwner): Promise<void> => {
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(contents), { mode: 0o600 });
    await rename(temporary, path);
  };
  return {
    path,
    inherited,
    recordInFlight(calls) {
      const next = writing.then(async () => {
        if (released) return;
        await write({ ...owner, inFlight: calls });
        listed = calls;
      });
      writing = next.catch(() => undefined);
      return next;
    },
    async release() {
      if (released) return;
      released = true;
      await writing;
      if (listed.length === 0) {
        await unlink(path).catch(() => undefined);
        return;
      }
      // Calls the engine never answered may still land: hand them to the next run. If that
      // write fails, the file keeps the same list under this pid, inherited once it has exited.
      await write({ ...owner, inFlight: listed, released: true }).catch(() => undefined);
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
