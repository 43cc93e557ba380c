/**
 * Scheduling: which start the executor sends first (Plan.first). It lives beside the planner, not
 * in reconcile/ nor in src/apply/: it decides nothing about *what* converges the engine, only the
 * order of operations reconcile() has already chosen, so it is not reconciling; and it is a pure
 * function of the plan's DAG that `notesctl plan --json` prints, so it is part of the plan, not a
 * decision the executor makes while running (STYLE.md: an executor with no decisions of its own).
 * Any target's planner can call it on its own operations.
 */
import type { PlannedOperation } from './types.ts';

/**
 * The start operation with the longest weighted chain of operations after it (first of ties).
 * None when the plan stops a container: a stop sent to the engine completes there even if
 * notesctl is killed, so holding stops back behind a start would leave more of them in flight,
 * to land after the next `up` has looked (and a recreation stops nothing the old way round).
 */
export function findCriticalStart(ops: PlannedOperation[]): string | undefined {
  if (ops.some((op) => op.operation.kind === 'stop-container')) return undefined;
  const dependents = new Map<string, PlannedOperation[]>();
  for (const op of ops)
    for (const id of op.after) dependents.set(id, [...(dependents.get(id) ?? []), op]);
  const tails = new Map<string, number>();
  const tailOf = (op: PlannedOperation): number => {
    let tail = tails.get(op.id);
    if (tail === undefined) {
      tail = estimateWeight(op) + Math.max(0, ...(dependents.get(op.id) ?? []).map(tailOf));
      tails.set(op.id, tail);
    }
    return tail;
  };
  let best: PlannedOperation | undefined;
  for (const op of ops)
    if (op.operation.kind === 'start-container' && (!best || tailOf(op) > tailOf(best))) best = op;
  return best?.id;
}

/** Rough relative duration of an operation, only to find the longest chain. */
function estimateWeight(op: PlannedOperation): number {
  switch (op.operation.kind) {
    case 'wait-ready':
      return 8;
    case 'start-container':
      return 4;
    case 'copy-secrets':
    case 'create-network':
      return 2;
    default:
      return 1;
  }
}
