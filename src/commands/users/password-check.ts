/**
 * `notesctl users password-check USERNAME [--password-stdin]`: check a password against an
 * account (the userauth CLI exits 1 when it does not match).
 */
import type { Command } from 'commander';
import type { CommandContext } from '../context.ts';
import { readPassword } from '../support/user-fields.ts';
import { runUserauth } from '../support/userauth.ts';

/** Whose password, and where it comes from (else a prompt). */
export interface PasswordCheckOptions {
  username: string;
  passwordStdin: boolean;
}

/** Declare `users password-check`'s flags. */
export function configure(command: Command): Command {
  return command.option('--password-stdin', 'read the password from standard input');
}

/** `users password-check`'s options from what commander parsed. */
export function readOptions(command: Command): PasswordCheckOptions {
  const { passwordStdin } = command.opts<Partial<PasswordCheckOptions>>();
  return { username: command.args[0] ?? '', passwordStdin: passwordStdin === true };
}

/** Run `users password-check`. */
export async function run(options: PasswordCheckOptions, context: CommandContext): Promise<number> {
  return runUserauth(context, async () => ({
    args: ['password-check', options.username],
    password: await readPassword(options, false),
  }));
}
