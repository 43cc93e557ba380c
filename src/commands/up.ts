/**
 * `notesctl up [services…]`: observe → plan → execute, per host, under the project lock.
 */
import type { Command } from 'commander';
import { acquireLock } from '../apply/lock.ts';
import { trackInFlight } from '../apply/in-flight.ts';
import { executePlan } from '../apply/execute.ts';
import { loadForCommand } from './support/load.ts';
import { createProgress } from '../output/progress.ts';
import { expandScope, servicesByHost } from './support/scope.ts';
import { withEngine } from './support/engines.ts';
import { withBuilder } from './support/builder.ts';
import { interruptSignal } from './support/interrupt.ts';
import { prepareUp } from './support/prepare-up.ts';
import { warmBuildTags } from '../build/images.ts';
import { summarizeUp } from '../output/up-summary.ts';
import type { CommandContext } from './context.ts';

/** What `up` acts on and how. */
export interface UpOptions {
  /** The services named (with what they depend on); none: every service. */
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
  const o = command.opts<Partial<Omit<UpOptions, 'services'>>>();
  return {
    services: command.args,
    build: o.build === true,
    forceRecreate: o.forceRecreate === true,
    removeOrphans: o.removeOrphans === true,
    wait: o.wait !== false,
  };
}

/** Run `up`. */
export async function run(
  options: UpOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await loadForCommand(global);
  const scope = expandScope(topology, options.services);
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
                  forceBuild: options.build,
                  noCache: false,
                  forceRecreate: options.forceRecreate,
                  removeOrphans: options.removeOrphans,
                  wait: options.wait,
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
}
