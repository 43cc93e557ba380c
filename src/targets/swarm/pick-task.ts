/**
 * `exec --task` on a cluster (issue 20): which running task of a service the operator means, by
 * what `ps` shows — `<project>_notes.2@node1`, `notes.2`, the slot `2` — or by a task ID prefix.
 * Pure: the swarm target lists the running tasks, this chooses one or says why none.
 */
import { RuntimeError } from '../../errors.ts';

/** A running task as the choice needs it. */
export interface RunningTask {
  id: string;
  slot: number | undefined;
  /** The notesctl host it runs on. */
  host: string;
}

/** How `ps` names a task (`name`: the Swarm service, `<project>_<service>`). */
function shown(name: string, task: RunningTask): string {
  return `${name}.${task.slot ?? task.id.slice(0, 8)}@${task.host}`;
}

/** `wanted` without its node and its service (`notes.2`, `demo_notes.2` → `2`). */
function bareTask(service: string, wanted: string): { bare: string; host: string | undefined } {
  const [name = '', host] = wanted.split('@');
  const dot = name.lastIndexOf('.');
  const prefix = name.slice(0, Math.max(dot, 0));
  const named = dot > 0 && (prefix === service || prefix.endsWith(`_${service}`));
  return { bare: named ? name.slice(dot + 1) : name, host };
}

/**
 * The task of `service` (Swarm service `name`) that `wanted` names (undefined: the first running
 * one) among its running `tasks` on `cluster`.
 */
export function pickTask<T extends RunningTask>(
  service: string,
  where: { cluster: string; name: string },
  tasks: T[],
  wanted: string | undefined,
): T {
  const { cluster, name } = where;
  const running = tasks.map((t) => shown(name, t)).join(', ') || 'none';
  if (wanted === undefined) {
    const [first] = tasks;
    if (first) return first;
    throw new RuntimeError(`service ${service} has no running task on cluster ${cluster}`, {
      hint: 'notesctl ps',
    });
  }
  const { bare, host } = bareTask(service, wanted);
  const matches = tasks.filter(
    (t) =>
      bare !== '' &&
      (host === undefined || t.host === host) &&
      (/^\d+$/.test(bare) ? t.slot === Number(bare) : t.id.startsWith(bare)),
  );
  const [only, ...more] = matches;
  if (only && more.length === 0) return only;
  const why = only ? `matches ${matches.length} tasks` : 'names no running task';
  throw new RuntimeError(`exec --task ${wanted}: ${why} of ${service} (running: ${running})`, {
    hint: `Name one as \`notesctl ps\` shows it, e.g. --task ${tasks[0] ? shown(name, tasks[0]) : `${service}.1`}`,
  });
}
