/**
 * `notesctl users add [--username U] [--password-stdin] [--given-name …]`: create an account;
 * on a TTY the missing user name and the password are asked for.
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { profileArgs, readPassword, readUsername } from '../support/user-fields.ts';
import type { PasswordSource, ProfileFields } from '../support/user-fields.ts';
import { runUserauth } from '../support/userauth.ts';

/** The new account, as far as the flags give it. */
export interface AddOptions extends ProfileFields, PasswordSource {
  username: string | undefined;
}

/** Declare `users add`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('--username <name>', 'user name')
    .option('--password <password>', 'password (prefer --password-stdin or the prompt)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--given-name <name>', 'given name')
    .option('--family-name <name>', 'family name')
    .option('--email <email>', 'e-mail address');
}

/** `users add`'s options from what commander parsed. */
export function readOptions(command: Command): AddOptions {
  const o = command.opts<Partial<AddOptions>>();
  const { username, password, givenName, familyName, email } = o;
  return {
    username,
    password,
    passwordStdin: o.passwordStdin === true,
    givenName,
    familyName,
    email,
  };
}

/** Run `users add`. */
export async function run(options: AddOptions, context: CommandContext): Promise<number> {
  return runUserauth(context, async () => {
    const username = await readUsername(options.username);
    const password = await readPassword(options, true);
    return {
      args: ['add', '--username', username, '--password-stdin', ...profileArgs(options)],
      password,
    };
  });
}
