/**
 * `notesctl ps`: one list call per host; service, state, health, ports, image, uptime.
 */
import type { Command } from 'commander';
import { formatTable } from '../output/table.ts';
import type { CommandContext } from './context.ts';
import { withTarget } from '../targets/open.ts';
import { hostAccess } from './support/host-access.ts';
import { loadForCommand } from './support/load.ts';
import { PS_COLUMNS, psRows } from './support/ps-rows.ts';
import { servicesByHost } from './support/scope.ts';

/** `ps` takes no options of its own: it lists every service. */
export type PsOptions = Record<string, never>;

/** `ps` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `ps`'s options (none). */
export function readOptions(): PsOptions {
  return {};
}

/** Run `ps`. */
export async function run(_options: PsOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const rows: Record<string, string>[] = [];
  const now = Date.now();
  for (const [host, services] of servicesByHost(topology, Object.keys(topology.services).sort())) {
    const instances = await withTarget(topology, host, hostAccess(context), (t) => t.status());
    rows.push(...psRows(host, services, instances, now));
  }
  if (global.json) {
    terminal.json(rows);
    return 0;
  }
  terminal.data(formatTable(rows, PS_COLUMNS));
  return 0;
}
