/**
 * A cluster as it is, for `cluster ls` and `show`: each member reached in parallel (those that do
 * not answer are named, not fatal), the node list from the first manager that answers.
 */
import { readLocalSwarm, type LocalSwarmState } from '../engine/swarm-cluster.ts';
import { listNodes, type SwarmNode } from '../engine/swarm-nodes.ts';
import type { Cluster, Topology } from '../model/topology.ts';
import type { HostAccess } from '../targets/open.ts';
import { openMembers } from './members.ts';
import { chooseControl, membersOf } from './membership.ts';

/** What was found. */
export interface ClusterStatus {
  /** Each reachable member's own state. */
  members: Record<string, LocalSwarmState>;
  /** Members that could not be reached, with the first line of why. */
  unreachable: Record<string, string>;
  /** The manager that answered for the swarm; undefined when none manages one. */
  control: string | undefined;
  nodes: SwarmNode[];
}

/** Read `cluster`'s state through its members (GET calls only). */
export async function readClusterStatus(
  topology: Topology,
  cluster: Cluster,
  access: HostAccess,
): Promise<ClusterStatus> {
  const hosts = membersOf(cluster).map((m) => m.host);
  const opened = await openMembers(hosts, topology, access, false);
  try {
    const unreachable: Record<string, string> = {};
    for (const [host, error] of opened.failed)
      unreachable[host] = (error as Error).message.split('\n')[0] ?? '';
    const members: Record<string, LocalSwarmState> = {};
    await Promise.all(
      [...opened.links.values()].map(async (link) => {
        try {
          members[link.host] = await readLocalSwarm(link.engine);
        } catch (error) {
          unreachable[link.host] = (error as Error).message.split('\n')[0] ?? '';
        }
      }),
    );
    const control = chooseControl(cluster, members);
    const engine = control === undefined ? undefined : opened.links.get(control)?.engine;
    return { members, unreachable, control, nodes: engine ? await listNodes(engine) : [] };
  } finally {
    await opened.close();
  }
}

/** One word or phrase for `cluster ls`: `ready`, `2/3 ready`, `not created`, `no manager answers`. */
export function summarizeStatus(cluster: Cluster, status: ClusterStatus): string {
  const hosts = membersOf(cluster).map((m) => m.host);
  if (status.control === undefined) {
    return Object.keys(status.unreachable).length > 0 ? 'no manager answers' : 'not created';
  }
  const ready = status.nodes.filter((n) => n.state === 'ready').length;
  return ready === hosts.length && status.nodes.length === hosts.length
    ? 'ready'
    : `${ready}/${hosts.length} ready`;
}
