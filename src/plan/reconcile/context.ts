/**
 * The state every planner of reconcile() shares, like the `reconciler` struct of docker compose's
 * pkg/compose/reconcile.go: the inputs, read only, and the one list of operations they append to.
 * The order of that list is the plan's order (formatPlan keeps it among operations that are ready
 * at the same time), so the planners run in a fixed sequence and append in a fixed order.
 */
import type { DesiredState, ObservedState, PlannedOperation, ReconcileOptions } from '../types.ts';

/** Inputs of one reconcile() call and the operations planned so far. */
export interface Reconciliation {
  readonly desired: DesiredState;
  readonly observed: ObservedState;
  readonly options: ReconcileOptions;
  readonly operations: PlannedOperation[];
}

/** Operation ids of the networks or volumes this plan creates, by resource name. */
export type Created = ReadonlyMap<string, string>;

/** Append an operation to the plan; its id, for the operations that must follow it. */
export function addOperation(r: Reconciliation, op: PlannedOperation): string {
  r.operations.push(op);
  return op.id;
}

/** The operation that creates `name`, as a list to spread into `after` (empty if it exists). */
export function creationOf(created: Created, name: string | undefined): string[] {
  const id = name === undefined ? undefined : created.get(name);
  return id === undefined ? [] : [id];
}
