/**
 * Orphans: containers labelled with this project but a service the topology no longer has (all
 * services, not only those in scope: `up web` does not orphan `db`). They are listed in every plan
 * and removed only with `--remove-orphans`, as docker compose does.
 */
import { LABEL } from '../../model/names.ts';
import { compareText } from '../../model/order.ts';
import type { Plan } from '../types.ts';
import type { Reconciliation } from './context.ts';
import { planRemovals } from './removals.ts';

/** Find the orphans, by container name; with `--remove-orphans`, plan their stop and remove. */
export function planOrphans(r: Reconciliation): Plan['orphans'] {
  const known = new Set(r.desired.allServices);
  const orphans = r.observed.containers
    .filter(
      (c) => c.labels[LABEL.service] !== undefined && !known.has(c.labels[LABEL.service] ?? ''),
    )
    .map((c) => ({ container: c, service: c.labels[LABEL.service] ?? '' }))
    .sort((a, b) => compareText(a.container.name, b.container.name));
  if (r.options.removeOrphans) {
    const cause = 'orphan: service no longer in the topology (--remove-orphans)';
    for (const { container, service } of orphans)
      planRemovals(r, service, [container], { timeoutS: 10, after: [], cause });
  }
  return orphans.map((o) => ({ service: o.service, containerName: o.container.name }));
}
