/**
 * Waiting for a Swarm service after a create or an update (issue 20): done when `replicas` tasks
 * of this configuration run (a task with a health check is `running` only once healthy) and no
 * task of an earlier one does. Swarm rolls a failed update back by itself: that, or tasks that
 * keep failing until the deadline, is reported with the tasks' own errors.
 */
import { RuntimeError } from '../../errors.ts';
import { listServices, listTasks, type SwarmTask } from '../../engine/swarm-services.ts';
import { LABEL } from '../../model/names.ts';
import { sleep } from '../../apply/sleep.ts';
import type { SwarmExecution } from './execute.ts';
import { probeServiceNetworks } from './probe.ts';

/** What to wait for. */
export interface ServiceWait {
  name: string;
  hash: string;
  replicas: number;
  timeoutMs: number;
}

const POLL_MS = 500;
const ROLLED_BACK = ['rollback_started', 'rollback_completed', 'rollback_paused', 'paused'];

/** The last error a failed task of the service reported, if any. */
function lastError(tasks: SwarmTask[]): string | undefined {
  const failed = tasks.filter((t) => t.error !== undefined && t.error !== '');
  const last = failed.at(-1);
  return last ? `${last.state}: ${last.error ?? ''}` : undefined;
}

/** Wait until the service runs `replicas` tasks of configuration `hash`, and only those. */
export async function waitService(
  x: SwarmExecution,
  wait: ServiceWait,
  progress: (text: string) => void,
): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs * Math.max(1, wait.replicas);
  for (;;) {
    x.signal.throwIfAborted();
    const [tasks, services] = await Promise.all([
      listTasks(x.manager, [wait.name]),
      listServices(x.manager, {}).then((all) => all.filter((s) => s.spec.Name === wait.name)),
    ]);
    const live = tasks.filter((t) => t.desiredState === 'running');
    const current = live.filter((t) => t.labels[LABEL.configHash] === wait.hash);
    const running = current.filter((t) => t.state === 'running').length;
    const older = live.filter((t) => t.labels[LABEL.configHash] !== wait.hash).length;
    const update = services[0]?.update;
    if (update && ROLLED_BACK.includes(update.state)) {
      const why = lastError(tasks.filter((t) => t.labels[LABEL.configHash] === wait.hash));
      throw new RuntimeError(
        `the rolling update of ${wait.name} failed and Swarm ${update.state === 'paused' ? 'paused it' : 'rolled it back to the previous configuration'}: ${update.message}${why ? ` (${why})` : ''}`,
        {
          hint: `See what the new tasks said: notesctl logs ${wait.name.split('_').slice(1).join('_')}`,
        },
      );
    }
    // Global (replicas 0): one task per eligible node, as many as Swarm scheduled.
    const expected = wait.replicas > 0 ? wait.replicas : Math.max(1, current.length);
    if (running >= expected && older === 0) return;
    const why = lastError(current);
    if (Date.now() > deadline) {
      const diagnosis = await probeServiceNetworks(x, wait.name).catch(() => undefined);
      throw new RuntimeError(
        `${wait.name}: ${running} of ${expected} task(s) running after ${Math.round((wait.timeoutMs * Math.max(1, wait.replicas)) / 1000)} s${why ? `; last failure: ${why}` : ''}${diagnosis ? `\n${diagnosis}` : ''}`,
        { hint: `notesctl ps, and notesctl logs ${wait.name.split('_').slice(1).join('_')}` },
      );
    }
    progress(
      `${running}/${expected} running${older > 0 ? `, ${older} of the previous configuration` : ''}${why ? ` (last failure: ${why})` : ''}`,
    );
    await sleep(POLL_MS, x.signal);
  }
}
