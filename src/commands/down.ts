/**
 * `notesctl down [--volumes] [--yes]`: stop and remove the project's containers and networks;
 * volumes (the data) only when asked, after confirmation.
 */
import type { Command } from 'commander';
import { summarizeDown } from '../output/down-summary.ts';
import type { CommandContext } from './context.ts';
import { confirmOrRequireYes } from './support/confirm.ts';
import { inSessions, withProgress } from './support/host-work.ts';
import { loadForCommand } from './support/load.ts';
import { servicesByHost } from './support/scope.ts';

/** What `down` removes besides containers and networks. */
export interface DownOptions {
  /** Also the named volumes (the data). */
  volumes: boolean;
  /** Do not ask before removing volumes. */
  yes: boolean;
}

/** Declare `down`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('--volumes', 'also remove named volumes (data!)')
    .option('-y, --yes', 'do not ask before removing volumes');
}

/** `down`'s options from what commander parsed. */
export function readOptions(command: Command): DownOptions {
  const o = command.opts<Partial<DownOptions>>();
  return { volumes: o.volumes === true, yes: o.yes === true };
}

/** Run `down`. */
export async function run(options: DownOptions, context: CommandContext): Promise<number> {
  const topology = await loadForCommand(context.global);
  const { volumes } = options;
  const question = `Delete the volumes (all data) of project ${topology.project}?`;
  if (volumes && !(await confirmOrRequireYes(question, options.yes, '--yes'))) {
    context.terminal.info('nothing removed');
    return 1;
  }
  const hosts = servicesByHost(topology, Object.keys(topology.services));
  await withProgress(context, { warn: false }, (progress) =>
    inSessions(
      { context, topology, hosts, verb: 'down', progress, teardown: true },
      async (session, _, host) => {
        const { plan, found } = await session.target.planDown({ volumes });
        await session.target.execute(plan, {
          ...progress,
          signal: session.signal,
          inFlight: session.inFlight,
          teardown: true,
        });
        // The release history goes with the data: without it, a rollback has nothing to go to.
        if (volumes) await session.target.forgetReleases();
        summarizeDown(context.terminal, { project: topology.project, host }, found, volumes);
      },
    ),
  );
  return 0;
}
