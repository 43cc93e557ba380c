/**
 * Gathering what `users …` needs: flags first, then inquirer prompts for the missing ones on a
 * TTY (the password hidden and asked twice), or a clear error naming the missing flags.
 */
import { UsageError } from '../../errors.ts';
import { readAllStdin } from './stdin.ts';

/** Arguments for the userauth CLI plus the password to send on stdin. */
export interface UserRequest {
  args: string[];
  password: string | undefined;
}

const VERBS = ['add', 'list', 'find', 'delete', 'update', 'password-check'];

/** Turn `users` flags (and prompts) into a userauth CLI call. */
export async function collectUserFields(
  verb: string,
  rest: string[],
  options: Record<string, unknown>,
): Promise<UserRequest> {
  if (!VERBS.includes(verb))
    throw new UsageError(`users: unknown action "${verb}"`, {
      hint: `Use one of: ${VERBS.join(', ')}.`,
    });
  const interactive = process.stdin.isTTY && process.stderr.isTTY;
  const profile = (): string[] => [
    ...(typeof options.givenName === 'string' ? ['--given-name', options.givenName] : []),
    ...(typeof options.familyName === 'string' ? ['--family-name', options.familyName] : []),
    ...(typeof options.email === 'string' ? ['--email', options.email] : []),
  ];
  if (verb === 'list') return { args: ['list'], password: undefined };
  if (verb === 'find' || verb === 'delete')
    return { args: [verb, rest[0] ?? ''], password: undefined };
  if (verb === 'password-check') {
    return {
      args: ['password-check', rest[0] ?? ''],
      password: await passwordFrom(options, interactive, false),
    };
  }
  if (verb === 'update') {
    const wantsPassword = options.passwordStdin === true;
    if (!wantsPassword && profile().length === 0) {
      throw new UsageError(`users update ${rest[0] ?? ''}: nothing to change`, {
        hint: 'Pass --password-stdin, --given-name, --family-name or --email.',
      });
    }
    const password = wantsPassword ? await passwordFrom(options, interactive, true) : undefined;
    return {
      args: [
        'update',
        rest[0] ?? '',
        ...(password === undefined ? [] : ['--password-stdin']),
        ...profile(),
      ],
      password,
    };
  }
  // add
  let username = typeof options.username === 'string' ? options.username : undefined;
  if (username === undefined) {
    if (!interactive) {
      throw new UsageError('users add: missing --username', {
        hint: 'Example: echo "$PASSWORD" | notesctl users add --username ann --password-stdin',
      });
    }
    const { input } = await import('@inquirer/prompts');
    username = await input({ message: 'Username:', required: true }, { output: process.stderr });
  }
  const password = await passwordFrom(options, interactive, true);
  return { args: ['add', '--username', username, '--password-stdin', ...profile()], password };
}

async function passwordFrom(
  options: Record<string, unknown>,
  interactive: boolean,
  confirmTwice: boolean,
): Promise<string> {
  if (typeof options.password === 'string') {
    if (options.passwordStdin === true)
      throw new UsageError('--password and --password-stdin cannot be used together');
    return options.password;
  }
  if (options.passwordStdin === true) {
    const text = (await readAllStdin()).replace(/\r?\n$/, '');
    if (text === '') throw new UsageError('--password-stdin: standard input was empty');
    return text;
  }
  if (!interactive) {
    throw new UsageError('missing password: no terminal to ask on', {
      hint: 'Pipe it in with --password-stdin (e.g. `printf %s "$PW" | notesctl users add --username ann --password-stdin`).',
    });
  }
  const { password } = await import('@inquirer/prompts');
  const first = await password({ message: 'Password:', mask: '*' }, { output: process.stderr });
  if (confirmTwice) {
    const second = await password(
      { message: 'Password (again):', mask: '*' },
      { output: process.stderr },
    );
    if (first !== second) throw new UsageError('the two passwords differ; nothing was changed');
  }
  return first;
}
