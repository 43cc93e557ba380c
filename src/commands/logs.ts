/**
 * `notesctl logs [services…] [-f] [--tail N] [--since T] [--timestamps]`: demultiplexed logs of
 * each service, merged with aligned, coloured prefixes; Ctrl-C ends a follow cleanly.
 */
import type { Command } from 'commander';
import { createLogPrinter } from '../output/log-printer.ts';
import type { CommandContext } from './context.ts';
import { hostAccess } from './support/host-access.ts';
import { interruptSignal } from './support/interrupt.ts';
import { loadForCommand } from './support/load.ts';
import { checkServices } from './support/scope.ts';
import { logWindow, printServiceLogs } from './support/service-logs.ts';

/** Whose logs, and which lines (`tail` and `since` as typed: see logWindow()). */
export interface LogsOptions {
  services: string[];
  follow: boolean;
  tail: string | undefined;
  since: string | undefined;
  timestamps: boolean;
}

/** Declare `logs`' flags. */
export function configure(command: Command): Command {
  return command
    .option('-f, --follow', 'follow the log output')
    .option('--tail <n>', 'number of lines from the end of each log')
    .option('--since <time>', 'only lines since a timestamp or a duration (10m, 2h)')
    .option('-t, --timestamps', 'show timestamps');
}

/** `logs`' options from what commander parsed. */
export function readOptions(command: Command): LogsOptions {
  const { tail, since, ...o } = command.opts<Partial<LogsOptions>>();
  const [follow, timestamps] = [o.follow === true, o.timestamps === true];
  return { services: command.args, follow, tail, since, timestamps };
}

/** Run `logs`. */
export async function run(options: LogsOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const topology = await loadForCommand(global);
  const services = checkServices(topology, options.services);
  const window = logWindow(options.tail, options.since, Date.now());
  const interrupt = interruptSignal();
  const printer = createLogPrinter(terminal, services);
  const { follow, timestamps } = options;
  try {
    const lines = { ...window, follow, timestamps, signal: interrupt.signal };
    await printServiceLogs(topology, hostAccess(context), services, lines, printer);
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
  } finally {
    interrupt.dispose();
  }
  return 0;
}
