/**
 * `notesctl users list`: every account, as the userauth service lists them.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { runUserauth } from '../support/userauth.ts';

/** `users list` takes no options of its own. */
export type ListOptions = Record<string, never>;

/** `users list` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `users list`'s options (none). */
export function readOptions(): ListOptions {
  return {};
}

/** Run `users list`. */
export async function run(_options: ListOptions, context: CommandContext): Promise<number> {
  return runUserauth(context, () => Promise.resolve({ args: ['list'], password: undefined }));
}
