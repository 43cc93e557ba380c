/**
 * A cluster's nodes as rows (`cluster show`) and as a one-line summary (`cluster up`, `ls`).
 */
import type { SwarmNode } from '../engine/swarm-nodes.ts';
import { NODE_LABEL } from '../model/cluster-names.ts';
import type { Cluster } from '../model/topology.ts';
import { membersOf } from './membership.ts';

/** One row of `cluster show`. */
export interface NodeRow {
  host: string;
  role: string;
  availability: string;
  state: string;
  leader: string;
  engine: string;
  labels: string;
}

/** `3 nodes (3 managers, 1 worker)`. */
export function nodeRoles(nodes: SwarmNode[]): string {
  const managers = nodes.filter((n) => n.role === 'manager').length;
  const workers = nodes.length - managers;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(nodes.length, 'node')} (${[
    plural(managers, 'manager'),
    ...(workers > 0 ? [plural(workers, 'worker')] : []),
  ].join(', ')})`;
}

/** Rows for every member (joined or not) and every other node of the swarm. */
export function nodeRows(cluster: Cluster, nodes: SwarmNode[]): NodeRow[] {
  const hostOf = (n: SwarmNode) => n.labels[NODE_LABEL.host] ?? `(${n.hostname})`;
  const rows = nodes.map((n): NodeRow => ({
    host: hostOf(n),
    role: n.role,
    availability: n.availability,
    state:
      n.role === 'manager' && n.reachability !== 'reachable'
        ? `${n.state}, ${n.reachability ?? 'unknown'}`
        : n.state,
    leader: n.leader ? 'yes' : '',
    engine: n.engineVersion,
    labels: Object.entries(n.labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(','),
  }));
  for (const { host, role } of membersOf(cluster)) {
    if (!rows.some((r) => r.host === host))
      rows.push({
        host,
        role,
        availability: '',
        state: 'not joined',
        leader: '',
        engine: '',
        labels: '',
      });
  }
  const order = membersOf(cluster).map((m) => m.host);
  const rank = (h: string) => (order.includes(h) ? order.indexOf(h) : order.length);
  return rows.sort((a, b) => rank(a.host) - rank(b.host) || a.host.localeCompare(b.host));
}
