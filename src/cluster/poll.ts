/**
 * Waiting for a swarm to settle (a demotion to reach the node, a node that left to show as down):
 * ask again every 200 ms until the answer is yes or the deadline passes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NotesctlError } from '../errors.ts';

/** Resolve once `check` says yes; reject naming `what` after `deadlineMs`. */
export async function pollUntil(
  what: string,
  deadlineMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new NotesctlError(`waited ${deadlineMs / 1000} s for ${what}, in vain`);
    await sleep(200);
  }
}
