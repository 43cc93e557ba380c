/**
 * `notesctl down [--volumes] [--yes]`: stop and remove the project's containers and networks;
 * volumes (the data) only when asked, after confirmation.
 */
import type { Command } from 'commander';
import { executePlan } from '../apply/execute.ts';
import { acquireLock } from '../apply/lock.ts';
import { trackInFlight } from '../apply/in-flight.ts';
import { loadForCommand } from './support/load.ts';
import { createProgress } from '../output/progress.ts';
import { LABEL } from '../model/names.ts';
import { planDown } from '../plan/down.ts';
import { observe } from '../plan/observe.ts';
import { confirmOrRequireYes } from './support/confirm.ts';
import { withEngine } from './support/engines.ts';
import { interruptSignal } from './support/interrupt.ts';
import { servicesByHost } from './support/scope.ts';
import type { CommandContext } from './context.ts';

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
export async function run(
  options: DownOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await loadForCommand(global);
  const { volumes } = options;
  if (volumes) {
    const ok = await confirmOrRequireYes(
      `Delete the volumes (all data) of project ${topology.project}?`,
      options.yes,
      '--yes',
    );
    if (!ok) {
      terminal.info('nothing removed');
      return 1;
    }
  }
  const dependencies = Object.fromEntries(
    Object.values(topology.services).map((s) => [s.name, Object.keys(s.dependsOn)]),
  );
  const progress = await createProgress(terminal);
  const interrupt = interruptSignal();
  try {
    for (const host of servicesByHost(topology, Object.keys(topology.services)).keys()) {
      const lock = await acquireLock(topology.project, host, 'notesctl down', {
        waitMs: 60_000,
        onWait: (o) => terminal.info(`waiting for ${o}…`),
      });
      const inFlight = trackInFlight(lock);
      try {
        await withEngine(topology, host, global, async (engine) => {
          // Opened first, so it is listening before the first stop.
          const exits = engine.watchExits({ [LABEL.project]: topology.project });
          try {
            // What a killed or cut-off run left unanswered lands before anything is observed.
            await inFlight.finishInherited(engine, progress.sink);
            const observed = await observe(engine, topology.project);
            const plan = planDown(topology.project, host, observed, dependencies, {
              volumes,
              stopTimeoutS: (service) =>
                Math.ceil((topology.services[service]?.stopGracePeriodMs ?? 10_000) / 1000),
            });
            await executePlan(plan, {
              engine,
              secretFiles: () => [],
              onEvent: progress.sink,
              signal: interrupt.signal,
              concurrency: 16,
              exits,
              inFlight,
            });
            const kept = volumes ? 0 : observed.volumes.length;
            terminal.info(
              `${topology.project} on ${host}: removed ${observed.containers.length} container(s), ${observed.networks.length} network(s)${volumes ? `, ${observed.volumes.length} volume(s)` : ''}${kept > 0 ? `; kept ${kept} volume(s) (use --volumes to delete data)` : ''}`,
            );
          } finally {
            exits.close();
          }
        });
      } finally {
        await lock.release();
      }
    }
  } finally {
    interrupt.dispose();
    progress.stop();
  }
  return 0;
}
