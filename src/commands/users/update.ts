/**
 * `notesctl users update USERNAME [--password-stdin] [--given-name …]`: change an account's
 * profile fields or password; at least one change must be given.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import type { CommandContext } from '../context.ts';
import { profileArgs, readPassword, type ProfileFields } from '../support/user-fields.ts';
import { runUserauth } from '../support/userauth.ts';

/** Whose account, and what changes. */
export interface UpdateOptions extends ProfileFields {
  username: string;
  /** Set a new password, read from standard input. */
  passwordStdin: boolean;
}

/** Declare `users update`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('--password-stdin', 'read the new password from standard input')
    .option('--given-name <name>', 'given name')
    .option('--family-name <name>', 'family name')
    .option('--email <email>', 'e-mail address');
}

/** `users update`'s options from what commander parsed. */
export function readOptions(command: Command): UpdateOptions {
  const { givenName, familyName, email, ...o } = command.opts<Partial<UpdateOptions>>();
  const username = command.args[0] ?? '';
  return { username, passwordStdin: o.passwordStdin === true, givenName, familyName, email };
}

/** Run `users update`. */
export async function run(options: UpdateOptions, context: CommandContext): Promise<number> {
  const { username, passwordStdin } = options;
  return runUserauth(context, async () => {
    const profile = profileArgs(options);
    if (!passwordStdin && profile.length === 0) {
      throw new UsageError(`users update ${username}: nothing to change`, {
        hint: 'Pass --password-stdin, --given-name, --family-name or --email.',
      });
    }
    const password = passwordStdin ? await readPassword({ passwordStdin }, true) : undefined;
    const setPassword = password === undefined ? [] : ['--password-stdin'];
    return { args: ['update', username, ...setPassword, ...profile], password };
  });
}
