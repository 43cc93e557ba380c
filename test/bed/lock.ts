// Cross-process locks for the test bed: several vitest workers (and a human at a terminal) may ask
// for the same image or host slot at once. mkdir is atomic, and the owner's pid lets a lock left by
// a crashed process be taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRunning } from './procs.ts';
import { lockPath } from './state.ts';

function readOwner(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Try once to create `dir` atomically and record this process as its owner. */
export function tryClaimDir(dir: string): boolean {
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  writeFileSync(join(dir, 'pid'), String(process.pid));
  return true;
}

/** Run `fn` holding the lock `name`; waits up to `timeoutMs` for another holder to finish. */
export async function withLock<T>(
  name: string,
  fn: () => Promise<T>,
  timeoutMs = 900_000,
): Promise<T> {
  const dir = lockPath(name);
  mkdirSync(join(dir, '..'), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  let since = Date.now();
  while (!tryClaimDir(dir)) {
    const owner = readOwner(dir);
    // A lock whose owner died, or one never completed (no pid after 5 s), is stale.
    if (
      (owner !== undefined && !isRunning(owner)) ||
      (owner === undefined && Date.now() - since > 5000)
    ) {
      rmSync(dir, { recursive: true, force: true });
      since = Date.now();
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`test bed lock ${dir} is still held by pid ${owner ?? '?'}`);
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
