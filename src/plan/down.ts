/**
 * planDown(observed, order, options) → Plan: stop and remove a project's containers (services
 * that depend on others first, so apps stop before their databases), then its networks, and
 * its volumes only when asked. Pure, like reconcile().
 */
import { LABEL } from '../model/names.ts';
import type { ObservedState, Plan, PlannedOperation } from './types.ts';
import { compareText } from '../model/order.ts';

/** Dependencies between services, from the topology (service → services it depends on). */
export type DependencyMap = Record<string, string[]>;

/** Plan `down` for one host. */
export function planDown(
  project: string,
  host: string,
  observed: ObservedState,
  dependencies: DependencyMap,
  options: { volumes: boolean; stopTimeoutS: (service: string) => number },
): Plan {
  const ops: PlannedOperation[] = [];
  const removeIds = new Map<string, string[]>();
  const containers = [...observed.containers].sort((a, b) => compareText(a.name, b.name));
  for (const c of containers) {
    const service = c.labels[LABEL.service] ?? '';
    const stopId = `stop:${service}:${c.name}`;
    // A service stops after every service that depends on it has stopped.
    const dependents = Object.entries(dependencies)
      .filter(([, deps]) => deps.includes(service))
      .map(([name]) => name);
    const after = containers
      .filter((o) => dependents.includes(o.labels[LABEL.service] ?? ''))
      .map((o) => `stop:${o.labels[LABEL.service] ?? ''}:${o.name}`);
    ops.push({
      id: stopId,
      operation: {
        kind: 'stop-container',
        service,
        containerId: c.id,
        containerName: c.name,
        timeoutS: options.stopTimeoutS(service),
      },
      after,
      cause: 'down',
    });
    const removeId = `remove:${service}:${c.name}`;
    ops.push({
      id: removeId,
      operation: { kind: 'remove-container', service, containerId: c.id, containerName: c.name },
      after: [stopId],
      cause: 'down',
    });
    removeIds.set(c.id, [...(removeIds.get(c.id) ?? []), removeId]);
  }
  const allRemovals = ops.filter((o) => o.operation.kind === 'remove-container').map((o) => o.id);
  for (const n of [...observed.networks].sort((a, b) => compareText(a.name, b.name))) {
    ops.push({
      id: `remove-network:${n.labels[LABEL.network] ?? n.name}`,
      operation: { kind: 'remove-network', networkId: n.id, name: n.name },
      after: allRemovals,
      cause: 'down',
    });
  }
  if (options.volumes) {
    for (const v of [...observed.volumes].sort((a, b) => compareText(a.name, b.name))) {
      ops.push({
        id: `remove-volume:${v.labels[LABEL.volume] ?? v.name}`,
        operation: { kind: 'remove-volume', name: v.name },
        after: allRemovals,
        cause: 'down --volumes',
      });
    }
  }
  return { project, host, operations: ops, unchanged: [], orphans: [] };
}
