/**
 * Networks: create the topology's networks the engine does not have. A network is found by its
 * key label, never by name (STYLE.md: discover by label), so a renamed project is not fooled by
 * a stranger's network of the same name.
 */
import { LABEL } from '../../model/names.ts';
import { addOperation, type Created, type Reconciliation } from './context.ts';

/** Plan a create for every missing network; their operation ids by network name. */
export function planNetworks(r: Reconciliation): Created {
  const created = new Map<string, string>();
  for (const network of r.desired.networks) {
    if (r.observed.networks.some((n) => n.labels[LABEL.network] === network.key)) continue;
    created.set(
      network.name,
      addOperation(r, {
        id: `network:${network.key}`,
        operation: { kind: 'create-network', network },
        after: [],
        cause: 'not created yet',
      }),
    );
  }
  return created;
}
