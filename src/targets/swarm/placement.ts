/**
 * Where a cluster's stateful services run (issue 20). A service with a named volume is pinned to
 * one node, because a volume is a folder on one node's disk: Swarm would otherwise start the next
 * task wherever it likes, on an empty volume. Pure.
 */
import { NODE_LABEL } from '../../model/cluster-names.ts';
import type { Cluster, Topology } from '../../model/topology.ts';

/** What placing needs to know about the cluster as it is. */
export interface PlacementFacts {
  /** Hosts holding each of the project's volumes (topology volume name → hosts). */
  volumeHosts: Map<string, string[]>;
  /** The host each existing service is constrained to now, if any. */
  currentPins: Map<string, string>;
}

/**
 * The node of each stateful service in `services`: where its data already is; else where it is
 * pinned now; else the member with the fewest pinned services (managers first, in file order).
 */
export function placeStateful(
  topology: Topology,
  cluster: Cluster,
  services: string[],
  facts: PlacementFacts,
): Map<string, string> {
  const members = [...cluster.managers, ...cluster.workers];
  const load = new Map(members.map((m) => [m, 0]));
  const pins = new Map<string, string>();
  const stateful = services
    .filter((name) => (topology.services[name]?.volumes.length ?? 0) > 0)
    .sort();
  const choose = (name: string): string | undefined => {
    const volumes = topology.services[name]?.volumes.map((v) => v.volume) ?? [];
    const holding = volumes.flatMap((v) => facts.volumeHosts.get(v) ?? []);
    const current = facts.currentPins.get(name);
    const withData = members.filter((m) => holding.includes(m));
    if (withData.length > 0) return current && withData.includes(current) ? current : withData[0];
    if (current && members.includes(current)) return current;
    return undefined;
  };
  // Services with a home first, so the spread of the others counts them.
  const homeless: string[] = [];
  for (const name of stateful) {
    const home = choose(name);
    if (home === undefined) homeless.push(name);
    else {
      pins.set(name, home);
      load.set(home, (load.get(home) ?? 0) + 1);
    }
  }
  for (const name of homeless) {
    let best = members[0] ?? '';
    for (const m of members) if ((load.get(m) ?? 0) < (load.get(best) ?? 0)) best = m;
    pins.set(name, best);
    load.set(best, (load.get(best) ?? 0) + 1);
  }
  return pins;
}

/** The host a placement constraint list pins to (`node.labels.io.notesctl.host==m1`). */
export function pinnedHost(constraints: string[]): string | undefined {
  const prefix = `node.labels.${NODE_LABEL.host}==`;
  return constraints.find((c) => c.startsWith(prefix))?.slice(prefix.length);
}
