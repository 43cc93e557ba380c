/**
 * `notesctl up [services…]`: observe → plan → execute, per host, under the project lock.
 */
import { acquireLock } from '../apply/lock.ts';
import { trackInFlight } from '../apply/in-flight.ts';
import { executePlan } from '../apply/execute.ts';
import type { CommandRunner } from '../cli.ts';
import { loadForCommand } from './support/load.ts';
import { createProgress } from '../output/progress.ts';
import { expandScope, servicesByHost } from './support/scope.ts';
import { withEngine } from './support/engines.ts';
import { withBuilder } from './support/builder.ts';
import { interruptSignal } from './support/interrupt.ts';
import { prepareUp } from './support/prepare-up.ts';
import { warmBuildTags } from '../build/images.ts';
import { summarizeUp } from '../output/up-summary.ts';

/** Run `up`. */
export const run: CommandRunner = async ({ global, args, options, terminal }) => {
  const topology = await loadForCommand(global);
  const scope = expandScope(topology, args);
  const progress = await createProgress(terminal);
  const interrupt = interruptSignal(() =>
    terminal.warn(
      'interrupted: finishing the calls in flight, then stopping (Ctrl-C again to quit now)',
    ),
  );
  const results = [];
  try {
    for (const [host, services] of servicesByHost(topology, scope)) {
      const lock = await acquireLock(topology.project, host, `notesctl up`, {
        waitMs: 60_000,
        onWait: (owner) => terminal.info(`waiting for ${owner} to finish…`),
      });
      const inFlight = trackInFlight(lock);
      try {
        results.push(
          await withEngine(
            topology,
            host,
            global,
            (engine) =>
              withBuilder(host, async (builder) => {
                // What a killed or cut-off run left unanswered lands before anything is observed.
                await inFlight.finishInherited(engine, progress.sink);
                const prepared = await prepareUp(engine, topology, host, services, {
                  builder,
                  dryRun: false,
                  forceBuild: options.build === true,
                  noCache: false,
                  forceRecreate: options.forceRecreate === true,
                  removeOrphans: options.removeOrphans === true,
                  wait: options.wait !== false,
                  onEvent: progress.sink,
                });
                await executePlan(prepared.plan, {
                  engine,
                  secretFiles: prepared.secretFiles,
                  onEvent: progress.sink,
                  signal: interrupt.signal,
                  inFlight,
                });
                return {
                  plan: prepared.plan,
                  images: prepared.images.changed,
                  shipped: prepared.images.shipped,
                };
              }),
            // The build contexts are digested during the SSH handshake, not after it.
            { whileConnecting: () => warmBuildTags(topology, services) },
          ),
        );
      } finally {
        await lock.release();
      }
    }
  } finally {
    interrupt.dispose();
    progress.stop();
  }
  summarizeUp(terminal, topology, results);
  return 0;
};
