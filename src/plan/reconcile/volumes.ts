/**
 * Volumes: create the topology's named volumes the engine does not have. Existing volumes are
 * never touched by `up`: they hold the data (only `down --volumes` removes them, see down.ts).
 */
import { LABEL } from '../../model/names.ts';
import { addOperation, type Created, type Reconciliation } from './context.ts';

/** Plan a create for every missing volume; their operation ids by volume name. */
export function planVolumes(r: Reconciliation): Created {
  const created = new Map<string, string>();
  for (const volume of r.desired.volumes) {
    if (r.observed.volumes.some((v) => v.labels[LABEL.volume] === volume.key)) continue;
    created.set(
      volume.name,
      addOperation(r, {
        id: `volume:${volume.key}`,
        operation: { kind: 'create-volume', volume },
        after: [],
        cause: 'not created yet',
      }),
    );
  }
  return created;
}
