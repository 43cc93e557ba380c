/**
 * Taking a container away: a stop, then a remove once it has stopped. Shared by the container
 * planner (outdated, duplicate or clashing containers) and the orphan planner.
 */
import type { ContainerSummary } from '../../engine/engine.ts';
import { addOperation, type Reconciliation } from './context.ts';

/** How and why the containers go. */
export interface Removal {
  /** Seconds the engine gives the container to exit before it kills it. */
  timeoutS: number;
  /** Operations the stops must follow. */
  after: string[];
  cause: string;
}

/** Plan a stop and a remove for each container; the ids of the removes. */
export function planRemovals(
  r: Reconciliation,
  service: string,
  containers: ContainerSummary[],
  removal: Removal,
): string[] {
  return containers.map((c) => {
    const stopId = addOperation(r, {
      id: `stop:${service}:${c.name}`,
      operation: {
        kind: 'stop-container',
        service,
        containerId: c.id,
        containerName: c.name,
        timeoutS: removal.timeoutS,
      },
      after: removal.after,
      cause: removal.cause,
    });
    return addOperation(r, {
      id: `remove:${service}:${c.name}`,
      operation: { kind: 'remove-container', service, containerId: c.id, containerName: c.name },
      after: [stopId],
      cause: removal.cause,
    });
  });
}
