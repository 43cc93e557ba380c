/**
 * `notesctl logs [services…] [-f] [--tail N] [--since T] [--timestamps]`: demultiplexed logs of
 * each service, merged with aligned, coloured prefixes; Ctrl-C ends a follow cleanly.
 */
import type { CommandRunner } from '../cli.ts';
import { loadForCommand } from './support/load.ts';
import { UsageError } from '../errors.ts';
import { LABEL, projectSelector } from '../model/names.ts';
import { createLogPrinter } from '../output/log-printer.ts';
import { withEngine } from './support/engines.ts';
import { interruptSignal } from './support/interrupt.ts';
import { checkServices, servicesByHost } from './support/scope.ts';
import { parseSince } from './support/since.ts';

/** Run `logs`. */
export const run: CommandRunner = async ({ global, args, options, terminal }) => {
  const topology = await loadForCommand(global);
  const services = checkServices(topology, args);
  const tail = options.tail === undefined ? undefined : Number(options.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new UsageError(`--tail: expected a whole number of lines, got "${String(options.tail)}"`);
  }
  const since =
    typeof options.since === 'string' ? parseSince(options.since, Date.now()) : undefined;
  const interrupt = interruptSignal();
  const printer = createLogPrinter(terminal, services);
  try {
    await Promise.all(
      [...servicesByHost(topology, services)].map(([host, hostServices]) =>
        withEngine(topology, host, global, async (engine) => {
          const containers = (
            await engine.listContainers(projectSelector(topology.project))
          ).filter((c) => hostServices.includes(c.labels[LABEL.service] ?? ''));
          await Promise.all(
            containers.map(async (c) => {
              const service = c.labels[LABEL.service] ?? c.name;
              for await (const line of engine.logs(c.id, {
                follow: options.follow === true,
                tail,
                since,
                timestamps: options.timestamps === true,
                signal: interrupt.signal,
              })) {
                printer.print(service, line);
              }
            }),
          );
        }),
      ),
    );
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
  } finally {
    interrupt.dispose();
  }
  return 0;
};
