/**
 * `cluster up` as one function, read as load → connect → observe → plan → execute → verify:
 * the command (src/commands/cluster/up.ts) only reads flags and renders the result.
 */
import type { EventSink } from '../apply/events.ts';
import { listNodes, type SwarmNode } from '../engine/swarm-nodes.ts';
import { NODE_LABEL } from '../model/cluster-names.ts';
import type { Cluster, Topology } from '../model/topology.ts';
import type { HostAccess } from '../targets/open.ts';
import { convergeCluster } from './converge.ts';
import { membershipError } from './find.ts';
import { openMembers } from './members.ts';
import { describeStep, membersOf, planMembership } from './membership.ts';
import { leavingHosts, observeLeaving, observeMembers } from './observe.ts';
import { pollUntil } from './poll.ts';

/** What `cluster up` did. */
export interface UpResult {
  /** The steps carried out, as text ([] when the cluster already matched). */
  steps: string[];
  /** The cluster's nodes afterwards. */
  nodes: SwarmNode[];
  ms: number;
}

/** The cluster's nodes, once every member's node is ready (or the deadline passed). */
async function settledNodes(
  cluster: Cluster,
  list: () => Promise<SwarmNode[]>,
): Promise<SwarmNode[]> {
  let nodes: SwarmNode[] = [];
  const hosts = membersOf(cluster).map((m) => m.host);
  await pollUntil(`every node of cluster ${cluster.name} to be ready`, 30_000, async () => {
    nodes = (await list()).filter((n) => n.labels[NODE_LABEL.cluster] === cluster.name);
    return hosts.every((h) =>
      nodes.some((n) => n.labels[NODE_LABEL.host] === h && n.state === 'ready'),
    );
  });
  return nodes;
}

/** Bring `cluster`'s swarm to what the topology says; `note` tells about unreachable leavers. */
export async function upCluster(
  topology: Topology,
  cluster: Cluster,
  access: HostAccess,
  sink: EventSink,
): Promise<UpResult> {
  const started = Date.now();
  const hosts = membersOf(cluster).map((m) => m.host);
  const members = await openMembers(hosts, topology, access, true);
  let leavers: Awaited<ReturnType<typeof openMembers>> | undefined;
  try {
    const seen = await observeMembers(cluster, members.links);
    const leaving = leavingHosts(cluster, seen);
    leavers = await openMembers(leaving, topology, access, false);
    for (const [host, error] of leavers.failed)
      sink({
        type: 'note',
        text: `host ${host} cannot be reached (${(error as Error).message.split('\n')[0] ?? ''}): its node is removed without it leaving`,
      });
    const observed = { ...seen, leaving: await observeLeaving(leaving, leavers.links) };
    const plan = planMembership(cluster, observed);
    if (plan.problems.length > 0) throw membershipError(cluster.name, plan.problems);
    const links = new Map([...members.links, ...leavers.links]);
    await convergeCluster({ links, observed, steps: plan.steps, sink });
    const control = cluster.managers.find((h) => members.links.has(h)) ?? '';
    const manager = members.links.get(control)?.engine;
    const nodes =
      plan.steps.length === 0 || !manager
        ? observed.nodes
        : await settledNodes(cluster, () => listNodes(manager));
    return { steps: plan.steps.map(describeStep), nodes, ms: Date.now() - started };
  } finally {
    await Promise.all([members.close(), leavers?.close()]);
  }
}
