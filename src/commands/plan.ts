/**
 * `notesctl plan [services…]`: what `up` would do, without building, pulling or changing anything.
 */
import type { Command } from 'commander';
import { loadForCommand } from './support/load.ts';
import { formatPlan, planToJson } from '../plan/format.ts';
import { expandScope, servicesByHost } from './support/scope.ts';
import { withEngine } from './support/engines.ts';
import { withBuilder } from './support/builder.ts';
import { prepareUp } from './support/prepare-up.ts';
import { warmBuildTags } from '../build/images.ts';
import type { CommandContext } from './context.ts';

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

/** Run `plan`. */
export async function run(
  options: PlanOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await loadForCommand(global);
  const scope = expandScope(topology, options.services);
  const output: unknown[] = [];
  for (const [host, services] of servicesByHost(topology, scope)) {
    await withEngine(
      topology,
      host,
      global,
      (engine) =>
        withBuilder(host, async (builder) => {
          const prepared = await prepareUp(engine, topology, host, services, {
            builder,
            dryRun: true,
            forceBuild: false,
            noCache: false,
            forceRecreate: false,
            removeOrphans: false,
            wait: true,
            onEvent: () => undefined,
          });
          if (global.json) {
            output.push({
              ...(planToJson(prepared.plan) as object),
              images: prepared.images.changed,
              secretsToGenerate: prepared.missingSecrets,
            });
            return;
          }
          for (const image of prepared.images.changed)
            terminal.data(`  ${image.action} image ${image.ref} (${image.service})`);
          if (prepared.missingSecrets.length > 0)
            terminal.data(`  generate secrets: ${prepared.missingSecrets.join(', ')}`);
          terminal.data(formatPlan(prepared.plan));
        }),
      { whileConnecting: () => warmBuildTags(topology, services) },
    );
  }
  if (global.json) terminal.json(output);
  return 0;
}
