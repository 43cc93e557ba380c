/**
 * Reading a cluster as it is, with GET calls only: each member's own swarm state (in parallel),
 * the control manager's node list, and the state of hosts whose nodes the topology dropped.
 */
import { readLocalSwarm } from '../engine/swarm-cluster.ts';
import { listNodes } from '../engine/swarm-nodes.ts';
import type { LocalSwarmState } from '../engine/swarm-cluster.ts';
import { NODE_LABEL } from '../model/cluster-names.ts';
import type { Cluster } from '../model/topology.ts';
import { advertiseAddress, type MemberLink } from './members.ts';
import { chooseControl, type MemberState, type ObservedCluster } from './membership.ts';

/** Each member's state and advertised address, the control manager and its nodes. */
export async function observeMembers(
  cluster: Cluster,
  links: Map<string, MemberLink>,
): Promise<Omit<ObservedCluster, 'leaving'>> {
  const entries = await Promise.all(
    [...links.values()].map(async (link): Promise<[string, MemberState]> => [
      link.host,
      {
        ...(await readLocalSwarm(link.engine)),
        advertiseAddr: await advertiseAddress(link.endpoint),
      },
    ]),
  );
  const members = Object.fromEntries(entries);
  const control = chooseControl(cluster, members);
  const engine = control === undefined ? undefined : links.get(control)?.engine;
  return { members, control, nodes: engine ? await listNodes(engine) : [] };
}

/** Hosts of the cluster's nodes that the topology no longer lists. */
export function leavingHosts(
  cluster: Cluster,
  observed: Omit<ObservedCluster, 'leaving'>,
): string[] {
  const members = new Set([...cluster.managers, ...cluster.workers]);
  return observed.nodes
    .filter((n) => n.labels[NODE_LABEL.cluster] === cluster.name)
    .map((n) => n.labels[NODE_LABEL.host] ?? '')
    .filter((h) => h !== '' && !members.has(h));
}

/** The own state of each leaving host that could be reached (undefined for the others). */
export async function observeLeaving(
  hosts: string[],
  links: Map<string, MemberLink>,
): Promise<Record<string, LocalSwarmState | undefined>> {
  const states = await Promise.all(
    hosts.map(async (host): Promise<[string, LocalSwarmState | undefined]> => {
      const link = links.get(host);
      return [host, link ? await readLocalSwarm(link.engine).catch(() => undefined) : undefined];
    }),
  );
  return Object.fromEntries(states);
}
