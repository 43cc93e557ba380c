/**
 * `notesctl users find USERNAME`: show one account, through the userauth service.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { runUserauth } from '../support/userauth.ts';

/** Whose account. */
export interface FindOptions {
  username: string;
}

/** `users find` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `users find`'s options from what commander parsed. */
export function readOptions(command: Command): FindOptions {
  return { username: command.args[0] ?? '' };
}

/** Run `users find`. */
export async function run(options: FindOptions, context: CommandContext): Promise<number> {
  return runUserauth(context, () =>
    Promise.resolve({ args: ['find', options.username], password: undefined }),
  );
}
