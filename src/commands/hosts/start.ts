/**
 * `notesctl hosts start NAME` (docker-machine's start, issue 23): power the host's droplet on through
 * DigitalOcean's API, and wait until the action completes. DigitalOcean hosts only.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { powerAction } from '../support/power.ts';

/** Which host. */
export interface StartOptions {
  name: string;
}

/** `hosts start` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `hosts start`'s options from what commander parsed. */
export function readOptions(command: Command): StartOptions {
  return { name: command.args[0] ?? '' };
}

/** Run `hosts start`. */
export function run({ name }: StartOptions, context: CommandContext): Promise<number> {
  return powerAction(name, 'power_on', context);
}
