/**
 * `provision ssh|digitalocean NAME --cluster CLUSTER` (issue 20): the checks of the flag against
 * the topology, and what the operator does next. Pure: the topology is the only record of who is
 * in a cluster (`notesctl cluster up` reads nothing else), so provisioning writes no membership
 * of its own — it prints the lines to add and the command to run.
 */
import { suggest } from '../config/suggest.ts';
import { UsageError } from '../errors.ts';
import { RESOURCE_NAME } from '../model/names.ts';
import type { Topology } from '../model/topology.ts';

/** A port the members of a swarm must reach each other on, and what Swarm uses it for. */
export interface SwarmPort {
  port: number;
  protocol: 'tcp' | 'udp';
  use: string;
}

/** The swarm's ports (https://docs.docker.com/engine/swarm/swarm-tutorial/#open-protocols-and-ports-between-the-hosts). */
export const SWARM_PORTS: readonly SwarmPort[] = [
  { port: 2377, protocol: 'tcp', use: 'cluster management, to managers' },
  { port: 7946, protocol: 'tcp', use: 'node gossip' },
  { port: 7946, protocol: 'udp', use: 'node gossip' },
  { port: 4789, protocol: 'udp', use: 'overlay network data (VXLAN)' },
];

/** Where the new host stands with respect to the cluster the flag names. */
export interface ClusterIntent {
  cluster: string;
  host: string;
  /** The cluster is declared under clusters: in the topology. */
  declared: boolean;
  /** The list the host is already in, if the topology names it there. */
  listedAs?: 'managers' | 'workers';
  /** The other members the topology lists (empty when the cluster is not declared). */
  others: string[];
}

function flagError(cluster: string, problem: string, hint?: string): UsageError {
  return new UsageError(`--cluster ${cluster}: ${problem}`, hint === undefined ? {} : { hint });
}

/**
 * Check `--cluster` for host `host`: a valid cluster name; not a host's name (of the topology or
 * `recorded` in the host store); not a near miss of a declared cluster (a typo would tag the
 * host for a cluster nobody else is in); and the host not listed in another cluster already.
 */
export function checkClusterIntent(
  topology: Topology | undefined,
  cluster: string,
  host: string,
  recorded: readonly string[] = [],
): ClusterIntent {
  if (!RESOURCE_NAME.test(cluster)) {
    throw flagError(
      cluster,
      'invalid cluster name: use letters, digits, "_", "." and "-", starting with a letter or digit, at most 63',
    );
  }
  if (topology === undefined) {
    throw flagError(
      cluster,
      'needs a valid topology file (notesctl.config.yaml, or -f FILE): clusters are declared there, and its project: names the cluster',
      'Write the topology first (docs/topology.md), or provision without --cluster. A host listed under clusters: must exist when the file is read: add the new host there after provisioning it.',
    );
  }
  if (cluster === host || topology.hosts[cluster] !== undefined || recorded.includes(cluster)) {
    throw flagError(
      cluster,
      `"${cluster}" is a host, not a cluster — name a cluster under clusters: in ${topology.file} (or a new one)`,
    );
  }
  const declared = topology.clusters[cluster];
  if (declared === undefined) {
    const near = suggest(cluster, Object.keys(topology.clusters));
    if (near !== undefined) {
      throw flagError(
        cluster,
        `not under clusters: in ${topology.file} — did you mean "${near}"?`,
        `A new cluster needs a name not this close to an existing one's.`,
      );
    }
  }
  for (const other of Object.values(topology.clusters)) {
    if (other.name === cluster) continue;
    if ([...other.managers, ...other.workers].includes(host)) {
      throw flagError(
        cluster,
        `host ${host} is listed in clusters.${other.name} in ${topology.file} — a host joins one cluster`,
        `Use --cluster ${other.name}, or take ${host} out of clusters.${other.name} first.`,
      );
    }
  }
  if (declared === undefined) return { cluster, host, declared: false, others: [] };
  const listedAs = declared.managers.includes(host)
    ? 'managers'
    : declared.workers.includes(host)
      ? 'workers'
      : undefined;
  const others = [...declared.managers, ...declared.workers].filter((h) => h !== host);
  return { cluster, host, declared: true, others, ...(listedAs ? { listedAs } : {}) };
}

/** The topology lines to add (none if the host is listed) and the command to run next. */
export function clusterNextSteps(intent: ClusterIntent, file: string): string[] {
  const { cluster, host } = intent;
  const add = intent.listedAs
    ? [`${host} is already listed in clusters.${cluster}.${intent.listedAs} in ${file}.`]
    : intent.declared
      ? [
          `Add ${host} to clusters.${cluster} in ${file}:`,
          `  clusters.${cluster}.workers: [${host}]   (or managers — keep their number odd: 1, 3 or 5)`,
        ]
      : [
          `Declare cluster ${cluster} in ${file}:`,
          `  clusters:`,
          `    ${cluster}:`,
          `      managers: [${host}]`,
        ];
  return [...add, `Then form or grow the swarm: notesctl cluster up ${cluster}`];
}

/** The swarm ports as text, e.g. `2377/tcp, 7946/tcp, 7946/udp, 4789/udp`. */
export function swarmPortList(): string {
  return SWARM_PORTS.map((p) => `${p.port}/${p.protocol}`).join(', ');
}

/**
 * What the operator of a server notesctl does not manage the firewall of must open: each swarm
 * port, from the other members only (and ESP, which no port names).
 */
export function swarmPortsToOpen(intent: ClusterIntent): string[] {
  const from =
    intent.others.length > 0
      ? `the other members of ${intent.cluster} (${intent.others.join(', ')}) and no one else`
      : `the other members of ${intent.cluster} only, as they are added`;
  return [
    `notesctl opened no port on ${intent.host}. Its firewall must admit, from ${from}:`,
    ...SWARM_PORTS.map((p) => `  ${`${p.port}/${p.protocol}`.padEnd(9)} ${p.use}`),
    '  ESP       IP protocol 50, for encrypted overlays (networks without encrypted: false)',
    'None of them should be open to the internet; the other members must admit the same from it.',
  ];
}
