/**
 * `notesctl hosts stop NAME` (docker-machine's stop, issue 23): shut the host's droplet down (an ACPI shutdown, as the power button) through
 * DigitalOcean's API, and wait until the action completes. DigitalOcean hosts only.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { powerAction } from '../support/power.ts';

/** Which host. */
export interface StopOptions {
  name: string;
}

/** `hosts stop` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `hosts stop`'s options from what commander parsed. */
export function readOptions(command: Command): StopOptions {
  return { name: command.args[0] ?? '' };
}

/** Run `hosts stop`. */
export function run({ name }: StopOptions, context: CommandContext): Promise<number> {
  return powerAction(name, 'shutdown', context);
}
