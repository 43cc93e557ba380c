/**
 * `notesctl cluster show NAME` (issue 20): the cluster's nodes — host, role, availability,
 * state, leader, engine version, labels — as its first answering manager lists them.
 */
import type { Command } from 'commander';
import { findCluster } from '../../cluster/find.ts';
import { nodeRows } from '../../cluster/node-rows.ts';
import { readClusterStatus, summarizeStatus } from '../../cluster/status.ts';
import { formatTable } from '../../output/table.ts';
import type { CommandContext } from '../context.ts';
import { hostAccess } from '../support/host-access.ts';
import { loadForCommand } from '../support/load.ts';

/** Which cluster. */
export interface ShowOptions {
  name: string;
}

/** `cluster show` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `cluster show`'s options from what commander parsed. */
export function readOptions(command: Command): ShowOptions {
  return { name: command.args[0] ?? '' };
}

/** Run `cluster show`. */
export async function run({ name }: ShowOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const cluster = findCluster(topology, name);
  const status = await readClusterStatus(topology, cluster, hostAccess(context));
  const rows = nodeRows(cluster, status.nodes);
  if (global.json) {
    terminal.json({
      cluster: name,
      state: summarizeStatus(cluster, status),
      nodes: rows,
      unreachable: status.unreachable,
    });
    return 0;
  }
  terminal.data(
    formatTable(rows as unknown as Record<string, string>[], [
      'host',
      'role',
      'availability',
      'state',
      'leader',
      'engine',
      'labels',
    ]),
  );
  for (const [host, why] of Object.entries(status.unreachable))
    terminal.warn(
      `host ${host} does not answer (${why}) — check it with \`notesctl hosts status ${host}\``,
    );
  if (status.control === undefined && Object.keys(status.unreachable).length === 0)
    terminal.info(
      `cluster ${name} has no swarm yet: create it with \`notesctl cluster up ${name}\``,
    );
  return 0;
}
