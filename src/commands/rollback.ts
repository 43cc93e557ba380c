/**
 * `notesctl rollback [service] [--to RELEASE]`: run an earlier release's images again, through
 * the same path as `up` (a web service is replaced blue/green behind the proxy), and record it
 * as a new release. The configuration is today's topology; only the images go back.
 */
import type { Command } from 'commander';
import { RuntimeError, UsageError } from '../errors.ts';
import { summarizeUp } from '../output/up-summary.ts';
import { recordedAddresses } from './support/recorded-addresses.ts';
import { releaseAuthor } from '../releases/author.ts';
import { chooseRollback, RollbackRefused } from '../releases/history.ts';
import type { CommandContext } from './context.ts';
import { deployOnHost } from './support/deploy.ts';
import { inSessions, withProgress } from './support/host-work.ts';
import { loadForCommand } from './support/load.ts';
import { expandScope, servicesByHost } from './support/scope.ts';

/** Which service goes back (none: every service that ran another image), and to which release. */
export interface RollbackOptions {
  service: string | undefined;
  to: number | undefined;
}

/** Declare `rollback`'s flags. */
export function configure(command: Command): Command {
  return command.option(
    '--to <release>',
    'the release to go back to (see `notesctl releases`); default: the one before the current',
  );
}

/** `rollback`'s options from what commander parsed. */
export function readOptions(command: Command): RollbackOptions {
  const { to } = command.opts<{ to?: string }>();
  if (to !== undefined && !/^[1-9]\d{0,8}$/.test(to))
    throw new UsageError(`--to: expected a release number like 3, got "${to}"`, {
      hint: 'Run `notesctl releases` to see the releases recorded.',
    });
  return { service: command.args[0], to: to === undefined ? undefined : Number(to) };
}

/** Run `rollback`. */
export async function run(options: RollbackOptions, context: CommandContext): Promise<number> {
  const topology = await loadForCommand(context.global);
  const named = options.service === undefined ? [] : [options.service];
  const hosts = servicesByHost(topology, expandScope(topology, named));
  if (options.to !== undefined && hosts.size > 1)
    throw new UsageError(
      `--to: release numbers are per host, and the services are on ${[...hosts.keys()].join(', ')}`,
      { hint: 'Name a service, or pick the host with --host.' },
    );
  const plans = { dryRun: false, forceBuild: false, forceRecreate: false, removeOrphans: false };
  const results = await withProgress(context, { warn: true }, (progress) => {
    const where = { context, topology, hosts, verb: 'rollback', progress };
    return inSessions(where, async (session, services, host) => {
      const choice = choose(await session.target.releases(), named, options.to, host);
      const release = { author: releaseAuthor(choice.to.id), keep: topology.releases.keep };
      const pinned = { ...plans, wait: true, pins: choice.pins };
      return deployOnHost(session, services, pinned, progress, release);
    });
  });
  summarizeUp(context.terminal, topology, results, await recordedAddresses(topology));
  return 0;
}

function choose(
  history: Parameters<typeof chooseRollback>[0],
  services: string[],
  to: number | undefined,
  host: string,
): ReturnType<typeof chooseRollback> {
  try {
    return chooseRollback(history, { services, to });
  } catch (error) {
    if (error instanceof RollbackRefused)
      throw new RuntimeError(`rollback on ${host}: ${error.message}`, { hint: error.hint });
    throw error;
  }
}
