/**
 * The topology for `provision … --cluster` (issue 20): required, so a file that is there is
 * loaded as every deploying command loads it and its problems stop the run in full; without
 * --cluster, a missing or broken file only narrows what the firewall admits (hosts/known.ts).
 */
import { existsSync } from 'node:fs';
import { optionalTopology } from '../../hosts/known.ts';
import type { Topology } from '../../model/topology.ts';
import type { Terminal } from '../../output/terminal.ts';
import type { GlobalOptions } from '../context.ts';
import { loadForCommand } from './load.ts';

/** The topology, loaded strictly when `cluster` is given and the file exists. */
export async function topologyForProvision(
  global: GlobalOptions,
  terminal: Terminal,
  cluster: string | undefined,
): Promise<Topology | undefined> {
  if (cluster !== undefined && existsSync(global.file)) return loadForCommand(global);
  return optionalTopology(global.file, terminal);
}
