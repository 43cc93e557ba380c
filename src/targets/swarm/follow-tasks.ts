/**
 * `logs -f` on a cluster (issue 20): the tasks of a service change while one follows it — a
 * rolling update replaces them, a lost node's tasks start elsewhere. Every `everyMs` the running
 * tasks are listed again and each one not seen yet is handed to `start`, until `signal` aborts.
 * A listing that fails (the manager busy electing a leader) is tried again at the next tick.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Hand each task that starts from now on to `start`, once. */
export async function followNewTasks<T extends { containerId: string }>(
  list: () => Promise<T[]>,
  seen: Set<string>,
  start: (task: T) => void,
  signal: AbortSignal | undefined,
  everyMs = 2_000,
): Promise<void> {
  while (signal?.aborted !== true) {
    try {
      await sleep(everyMs, undefined, { signal });
    } catch {
      return; // aborted
    }
    const tasks = await list().catch(() => [] as T[]);
    for (const task of tasks) {
      if (seen.has(task.containerId)) continue;
      seen.add(task.containerId);
      start(task);
    }
  }
}
