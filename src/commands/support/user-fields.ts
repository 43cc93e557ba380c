/**
 * What `users …` passes the userauth CLI besides the user name: the profile flags, and a password
 * from --password, --password-stdin or a hidden prompt on a TTY (asked twice where one is set) —
 * or, with no terminal to ask on, a clear error naming the flag to use.
 */
import { UsageError } from '../../errors.ts';
import { askPassword, askText, canAsk } from '../../output/prompt.ts';
import { readAllStdin } from './stdin.ts';

/** An account's profile fields, as given on the command line. */
export interface ProfileFields {
  givenName: string | undefined;
  familyName: string | undefined;
  email: string | undefined;
}

/** Where the password comes from: --password, --password-stdin, else a prompt. */
export interface PasswordSource {
  password?: string | undefined;
  passwordStdin: boolean;
}

/** The userauth CLI flags for the profile fields given. */
export function profileArgs(fields: ProfileFields): string[] {
  return [
    ...(fields.givenName === undefined ? [] : ['--given-name', fields.givenName]),
    ...(fields.familyName === undefined ? [] : ['--family-name', fields.familyName]),
    ...(fields.email === undefined ? [] : ['--email', fields.email]),
  ];
}

/** `users add`'s user name: the one given, else asked for on a TTY. */
export async function readUsername(given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  if (!canAsk()) {
    throw new UsageError('users add: missing --username', {
      hint: 'Example: echo "$PASSWORD" | notesctl users add --username ann --password-stdin',
    });
  }
  return askText('Username:');
}

/** The password from `source`, or from a prompt (twice when it is being set). */
export async function readPassword(source: PasswordSource, confirmTwice: boolean): Promise<string> {
  if (source.password !== undefined) {
    if (source.passwordStdin)
      throw new UsageError('--password and --password-stdin cannot be used together');
    return source.password;
  }
  if (source.passwordStdin) {
    const text = (await readAllStdin()).replace(/\r?\n$/, '');
    if (text === '') throw new UsageError('--password-stdin: standard input was empty');
    return text;
  }
  if (!canAsk()) {
    throw new UsageError('missing password: no terminal to ask on', {
      hint: 'Pipe it in with --password-stdin (e.g. `printf %s "$PW" | notesctl users add --username ann --password-stdin`).',
    });
  }
  const first = await askPassword('Password:', { mask: '*' });
  if (confirmTwice) {
    const second = await askPassword('Password (again):', { mask: '*' });
    if (first !== second) throw new UsageError('the two passwords differ; nothing was changed');
  }
  return first;
}
