/**
 * `notesctl hosts restart NAME` (docker-machine's restart, issue 23): reboot the host's droplet through
 * DigitalOcean's API, and wait until the action completes. DigitalOcean hosts only.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { powerAction } from '../support/power.ts';

/** Which host. */
export interface RestartOptions {
  name: string;
}

/** `hosts restart` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `hosts restart`'s options from what commander parsed. */
export function readOptions(command: Command): RestartOptions {
  return { name: command.args[0] ?? '' };
}

/** Run `hosts restart`. */
export function run({ name }: RestartOptions, context: CommandContext): Promise<number> {
  return powerAction(name, 'reboot', context);
}
