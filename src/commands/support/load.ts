/**
 * Loading the topology for a command: the file named by -f, with --host applied, and the
 * hosts recorded by `notesctl provision` accepted as placements.
 */
import { readdir } from 'node:fs/promises';
import type { GlobalOptions } from '../../cli.ts';
import { loadTopology } from '../../config/index.ts';
import { hostsDir } from '../../hosts/store.ts';
import type { Topology } from '../../model/topology.ts';

/** Names of recorded hosts (file names only: cheap, no parsing). */
async function recordedHostNames(): Promise<string[]> {
  try {
    return (await readdir(hostsDir()))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return [];
  }
}

/** The command's topology. */
export async function loadForCommand(global: GlobalOptions): Promise<Topology> {
  return loadTopology(global.file, {
    overrideHost: global.host,
    knownHosts: await recordedHostNames(),
  });
}
