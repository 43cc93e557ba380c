/**
 * `notesctl cluster up NAME` (issue 20): make the swarm of a cluster of the topology match it —
 * init on the first manager, join the other members, label the nodes, and drain and remove the
 * nodes of hosts taken out of the file. A second run changes nothing and says so.
 */
import type { Command } from 'commander';
import { findCluster } from '../../cluster/find.ts';
import { upCluster } from '../../cluster/up-cluster.ts';
import { createProgress } from '../../output/progress.ts';
import type { CommandContext } from '../context.ts';
import { hostAccess } from '../support/host-access.ts';
import { loadForCommand } from '../support/load.ts';
import { nodeRoles } from '../../cluster/node-rows.ts';

/** Which cluster. */
export interface UpOptions {
  name: string;
}

/** `cluster up` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `cluster up`'s options from what commander parsed. */
export function readOptions(command: Command): UpOptions {
  return { name: command.args[0] ?? '' };
}

/** Run `cluster up`. */
export async function run({ name }: UpOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const cluster = findCluster(topology, name);
  const progress = await createProgress(terminal);
  const result = await upCluster(topology, cluster, hostAccess(context), progress.sink).finally(
    () => progress.stop(),
  );
  const seconds = (result.ms / 1000).toFixed(1);
  if (global.json) terminal.json({ cluster: name, changes: result.steps, ms: result.ms });
  else if (result.steps.length === 0)
    terminal.info(`cluster ${name}: ${nodeRoles(result.nodes)}, nothing to change (${seconds} s)`);
  else
    terminal.info(
      `cluster ${name}: ${nodeRoles(result.nodes)}, all ready — ${result.steps.length} changes in ${seconds} s`,
    );
  return 0;
}
