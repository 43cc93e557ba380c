/**
 * Finding a cluster of the topology by name, and the errors a cluster command ends with.
 */
import { didYouMean } from '../config/suggest.ts';
import { NotesctlError, UsageError } from '../errors.ts';
import type { Cluster, Topology } from '../model/topology.ts';

/** The cluster `name` of the topology; a UsageError naming the clusters there otherwise. */
export function findCluster(topology: Topology, name: string): Cluster {
  const cluster = topology.clusters[name];
  if (cluster !== undefined) return cluster;
  const known = Object.keys(topology.clusters).sort();
  throw new UsageError(
    `unknown cluster "${name}": not under clusters: in ${topology.file}${didYouMean(name, known)}`,
    {
      hint:
        known.length > 0
          ? `Clusters: ${known.join(', ')} (\`notesctl cluster ls\`).`
          : 'Declare it under clusters: (docs/topology.md, "Clusters").',
    },
  );
}

/** Every problem that stops `cluster up`, in one error. */
export function membershipError(cluster: string, problems: string[]): NotesctlError {
  return new NotesctlError(
    problems.length === 1
      ? `cluster ${cluster}: ${problems[0] ?? ''}`
      : `cluster ${cluster}: ${problems.length} hosts need attention first:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    { hint: 'Nothing was changed.' },
  );
}
