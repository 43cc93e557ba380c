/**
 * `notesctl cluster ls` (issue 20): the topology's clusters, each asked through its members in
 * parallel — how many nodes, how many ready.
 */
import type { Command } from 'commander';
import { readClusterStatus, summarizeStatus } from '../../cluster/status.ts';
import { formatTable } from '../../output/table.ts';
import type { CommandContext } from '../context.ts';
import { hostAccess } from '../support/host-access.ts';
import { loadForCommand } from '../support/load.ts';

/** `cluster ls` has no options. */
export type LsOptions = Record<string, never>;

/** `cluster ls` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `cluster ls`'s options from what commander parsed. */
export function readOptions(): LsOptions {
  return {};
}

/** Run `cluster ls`. */
export async function run(_options: LsOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const clusters = Object.values(topology.clusters);
  if (clusters.length === 0) {
    terminal.info(
      `No clusters in ${topology.file}: declare one under clusters: (docs/topology.md).`,
    );
    return 0;
  }
  const rows = await Promise.all(
    clusters.map(async (cluster) => {
      const status = await readClusterStatus(topology, cluster, hostAccess(context));
      return {
        name: cluster.name,
        managers: cluster.managers.join(','),
        workers: cluster.workers.join(','),
        nodes: String(status.nodes.length),
        state: summarizeStatus(cluster, status),
        unreachable: Object.keys(status.unreachable).join(','),
      };
    }),
  );
  if (global.json) terminal.json(rows);
  else
    terminal.data(
      formatTable(rows, ['name', 'managers', 'workers', 'nodes', 'state', 'unreachable']),
    );
  return 0;
}
