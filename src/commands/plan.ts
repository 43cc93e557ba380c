/**
 * `notesctl plan [services…]`: what `up` would do, without building, pulling or changing anything.
 */
import type { Command } from 'commander';
import { warmBuildTags } from '../build/images.ts';
import { plannedUpJson, plannedUpText } from '../output/plan-summary.ts';
import { withTarget } from '../targets/open.ts';
import type { CommandContext } from './context.ts';
import { hostAccess } from './support/host-access.ts';
import { loadForCommand } from './support/load.ts';
import { expandScope, servicesByHost } from './support/scope.ts';

/** What `plan` shows. */
export interface PlanOptions {
  /** The services to plan for (with what they depend on); none: every service. */
  services: string[];
}

/** `plan` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `plan`'s options from what commander parsed (it declares no arguments yet: all services). */
export function readOptions(command: Command): PlanOptions {
  return { services: command.args };
}

/** What `up` would do; nothing is built, pulled or written. */
const DRY_RUN = { dryRun: true, forceBuild: false, forceRecreate: false, removeOrphans: false };

/** Run `plan`. */
export async function run(options: PlanOptions, context: CommandContext): Promise<number> {
  const topology = await loadForCommand(context.global);
  const { terminal } = context;
  const output: unknown[] = [];
  for (const [host, services] of servicesByHost(
    topology,
    expandScope(topology, options.services),
  )) {
    const planned = await withTarget(
      topology,
      host,
      hostAccess(context),
      (target) => target.planUp(services, { ...DRY_RUN, wait: true, onEvent: () => undefined }),
      { whileConnecting: () => warmBuildTags(topology, services) },
    );
    if (context.global.json) output.push(plannedUpJson(planned));
    else terminal.data(plannedUpText(planned));
  }
  if (context.global.json) terminal.json(output);
  return 0;
}
