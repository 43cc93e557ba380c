/**
 * Running a plan's operations in dependency order, a few at a time, with the progress events
 * every target emits (op-start, op-progress, op-done, op-failed). What one operation does is the
 * target's business (`run`); this decides nothing else. After a failure nothing new starts, the
 * operations in flight finish, and the first failure is thrown.
 */
import type { EventSink } from './events.ts';
import { describeOperation } from '../plan/format.ts';
import type { Plan, PlannedOperation } from '../plan/types.ts';

/** How runSteps runs a plan. */
export interface StepRunner {
  /** Operations in flight at once. */
  concurrency: number;
  onEvent: EventSink;
  /**
   * Carry out one operation; `progress` updates its line. It may resolve to a string saying
   * what it did ("3 files, 41.0 KiB"), which its done event adds to its text.
   */
  run: (op: PlannedOperation, progress: (text: string) => void) => Promise<unknown>;
}

/** The service an operation concerns, for the renderers' grouping. */
function serviceOf(op: PlannedOperation): string | undefined {
  const operation = op.operation;
  return 'service' in operation && typeof operation.service === 'string'
    ? operation.service
    : undefined;
}

/** Run every operation of `plan` once its `after` have finished. */
export async function runSteps(plan: Plan, runner: StepRunner): Promise<void> {
  const done = new Set<string>();
  const started = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failure: Error | undefined;
  const launch = (op: PlannedOperation): void => {
    started.add(op.id);
    const text = describeOperation(op.operation);
    const t0 = performance.now();
    runner.onEvent({ type: 'op-start', id: op.id, service: serviceOf(op), text });
    const progress = (t: string) => runner.onEvent({ type: 'op-progress', id: op.id, text: t });
    const work = Promise.resolve().then(() => runner.run(op, progress));
    running.set(
      op.id,
      work
        .then(
          (outcome) => {
            done.add(op.id);
            const ms = Math.round(performance.now() - t0);
            const said = typeof outcome === 'string' && outcome ? `${text}: ${outcome}` : text;
            runner.onEvent({ type: 'op-done', id: op.id, text: said, ms });
          },
          (error: unknown) => {
            failure ??= error instanceof Error ? error : new Error(String(error));
            const message = error instanceof Error ? error.message : String(error);
            runner.onEvent({ type: 'op-failed', id: op.id, text, error: message });
          },
        )
        .finally(() => running.delete(op.id)),
    );
  };
  for (;;) {
    if (failure === undefined) {
      for (const op of plan.operations) {
        if (running.size >= runner.concurrency) break;
        if (!started.has(op.id) && op.after.every((id) => done.has(id))) launch(op);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure !== undefined) throw failure;
  const stuck = plan.operations.filter((op) => !done.has(op.id));
  if (stuck.length > 0)
    throw new Error(`bug: operations never ready to run: ${stuck.map((o) => o.id).join(', ')}`);
}
