/**
 * `notesctl up [services…]`: load → for each host: session → plan → execute → summary.
 */
import type { Command } from 'commander';
import { warmBuildTags } from '../build/images.ts';
import { summarizeUp } from '../output/up-summary.ts';
import { recordedAddresses } from './support/recorded-addresses.ts';
import { releaseAuthor } from '../releases/author.ts';
import type { CommandContext } from './context.ts';
import { deployOnHost } from './support/deploy.ts';
import { inSessions, withProgress } from './support/host-work.ts';
import { loadForCommand } from './support/load.ts';
import { expandScope, servicesByHost } from './support/scope.ts';

/** What `up` acts on (the services named, with what they depend on; none: all) and how. */
export interface UpOptions {
  services: string[];
  build: boolean;
  forceRecreate: boolean;
  removeOrphans: boolean;
  wait: boolean;
}

/** Declare `up`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('--build', 'rebuild images even when their inputs did not change')
    .option('--force-recreate', 'recreate containers even when unchanged')
    .option('--remove-orphans', 'remove containers of services no longer in the topology')
    .option('--no-wait', 'do not wait for services to become healthy');
}

/** `up`'s options from what commander parsed. */
export function readOptions(command: Command): UpOptions {
  const o = command.opts<Partial<UpOptions>>();
  const [build, forceRecreate] = [o.build === true, o.forceRecreate === true];
  const [removeOrphans, wait] = [o.removeOrphans === true, o.wait !== false];
  return { services: command.args, build, forceRecreate, removeOrphans, wait };
}

/** Run `up`. */
export async function run(options: UpOptions, context: CommandContext): Promise<number> {
  const topology = await loadForCommand(context.global);
  const hosts = servicesByHost(topology, expandScope(topology, options.services));
  const plans = { ...options, dryRun: false, forceBuild: options.build };
  // The build contexts are digested during the SSH handshake, not after it.
  const warm = (services: string[]) => warmBuildTags(topology, services);
  const results = await withProgress(context, { warn: true }, (progress) => {
    const where = { context, topology, hosts, verb: 'up', progress, whileConnecting: warm };
    const release = { author: releaseAuthor(), keep: topology.releases.keep };
    return inSessions(where, (session, services) =>
      deployOnHost(session, services, plans, progress, release),
    );
  });
  summarizeUp(context.terminal, topology, results, await recordedAddresses(topology));
  return 0;
}
