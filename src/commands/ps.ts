/**
 * `notesctl ps`: one list call per host; service, state, health, ports, image, uptime.
 */
import type { Command } from 'commander';
import { projectSelector } from '../model/names.ts';
import { formatTable } from '../output/table.ts';
import type { CommandContext } from './context.ts';
import { withEngine } from './support/engines.ts';
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
export async function run(
  _options: PsOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await loadForCommand(global);
  const rows: Record<string, string>[] = [];
  const now = Date.now();
  for (const [host, services] of servicesByHost(topology, Object.keys(topology.services).sort())) {
    await withEngine(topology, host, global, async (engine) => {
      const containers = await engine.listContainers(projectSelector(topology.project));
      rows.push(...psRows(host, services, containers, now));
    });
  }
  if (global.json) {
    terminal.json(rows);
    return 0;
  }
  terminal.data(formatTable(rows, PS_COLUMNS));
  return 0;
}
