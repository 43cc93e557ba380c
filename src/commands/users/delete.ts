/**
 * `notesctl users delete USERNAME`: delete one account, through the userauth service.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { runUserauth } from '../support/userauth.ts';

/** Whose account. */
export interface DeleteOptions {
  username: string;
}

/** `users delete` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `users delete`'s options from what commander parsed. */
export function readOptions(command: Command): DeleteOptions {
  return { username: command.args[0] ?? '' };
}

/** Run `users delete`. */
export async function run(options: DeleteOptions, context: CommandContext): Promise<number> {
  return runUserauth(context, () =>
    Promise.resolve({ args: ['delete', options.username], password: undefined }),
  );
}
