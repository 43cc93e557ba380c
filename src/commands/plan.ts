/**
 * `notesctl plan [services…]`: what `up` would do, without building, pulling or changing anything.
 */
import type { CommandRunner } from '../cli.ts';
import { loadForCommand } from './support/load.ts';
import { formatPlan, planToJson } from '../plan/format.ts';
import { expandScope, servicesByHost } from './support/scope.ts';
import { withEngine } from './support/engines.ts';
import { withBuilder } from './support/builder.ts';
import { prepareUp } from './support/prepare-up.ts';
import { warmBuildTags } from '../build/images.ts';

/** Run `plan`. */
export const run: CommandRunner = async ({ global, args, terminal }) => {
  const topology = await loadForCommand(global);
  const scope = expandScope(topology, args);
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
};
