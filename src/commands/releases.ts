/**
 * `notesctl releases [service]`: the releases recorded on each host (issue 19), newest first —
 * what changed, who deployed it with which notesctl, and the images each service ran.
 */
import type { Command } from 'commander';
import { releaseRows, RELEASE_COLUMNS } from '../output/releases-table.ts';
import { formatTable } from '../output/table.ts';
import { withTarget } from '../targets/open.ts';
import type { CommandContext } from './context.ts';
import { hostAccess } from './support/host-access.ts';
import { loadForCommand } from './support/load.ts';
import { checkServices, servicesByHost } from './support/scope.ts';

/** Whose releases: one service's (those that changed it), or every release. */
export interface ReleasesOptions {
  service: string | undefined;
}

/** `releases` has no flags of its own (`--json` is global). */
export function configure(command: Command): Command {
  return command;
}

/** `releases`' options from what commander parsed. */
export function readOptions(command: Command): ReleasesOptions {
  return { service: command.args[0] };
}

/** Run `releases`. */
export async function run(options: ReleasesOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const named = options.service === undefined ? [] : [options.service];
  const scope = checkServices(topology, named);
  const found = [];
  for (const host of servicesByHost(topology, scope).keys()) {
    const releases = await withTarget(topology, host, hostAccess(context), (t) => t.releases());
    found.push({ host, releases });
  }
  if (global.json) {
    terminal.json(
      found.map(({ host, releases }) => ({
        host,
        releases: releases.filter((r) => !options.service || r.changed.includes(options.service)),
      })),
    );
    return 0;
  }
  const rows = found.flatMap(({ host, releases }) => releaseRows(host, releases, options.service));
  if (rows.length === 0) {
    terminal.info(
      `no releases recorded${options.service ? ` for ${options.service}` : ''} yet: each \`notesctl up\` that changes a service records one`,
    );
    return 0;
  }
  terminal.data(formatTable(rows, RELEASE_COLUMNS));
  return 0;
}
