/**
 * A failed `up` of web services (issue 19): a new release that never took traffic is removed,
 * so the old one, still serving, stays the only one and the next `up` starts clean from it.
 */
import type { EventSink } from '../../apply/events.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Plan } from '../../plan/types.ts';

/** The new releases of `plan` that were created but never switched to. */
export function unswitchedReleases(
  plan: Plan,
  created: ReadonlyMap<string, string>,
  done: ReadonlySet<string>,
): { service: string; containerId: string }[] {
  const switchOp = plan.operations.find((op) => op.id === 'proxy:switch');
  const switched = switchOp !== undefined && done.has(switchOp.id);
  return plan.operations.flatMap((op) => {
    if (op.operation.kind !== 'proxy-check') return [];
    const id = created.get(op.operation.instance ?? op.operation.service);
    const took = done.has(op.id) && (switchOp === undefined || switched);
    const service = op.operation.instance ?? op.operation.service;
    return id !== undefined && !took ? [{ service, containerId: id }] : [];
  });
}

/** Remove each release (force: it may be running); a failure here is reported, not thrown. */
export async function discardReleases(
  engine: Engine,
  releases: { service: string; containerId: string }[],
  onEvent: EventSink,
): Promise<void> {
  await Promise.all(
    releases.map(async ({ service, containerId }) => {
      const id = `discard:${service}`;
      const text = `remove the failed release of ${service} (the old one keeps serving)`;
      const started = Date.now();
      onEvent({ type: 'op-start', id, service, text });
      try {
        await engine.removeContainer(containerId, { force: true });
        onEvent({ type: 'op-done', id, text, ms: Date.now() - started });
      } catch (error) {
        onEvent({ type: 'op-failed', id, text, error: (error as Error).message });
      }
    }),
  );
}
