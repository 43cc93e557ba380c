/**
 * Management CLI, run inside the container (`docker exec ... node dist/cli.js ...`): it inherits
 * the container's env, reads the API key from USERAUTH_API_KEY(_FILE) and talks to the service on
 * 127.0.0.1:$PORT. Passwords come only from stdin, never from argv (visible in process lists).
 * Exit codes: 0 ok; 1 the service said no (not found, taken, invalid, wrong password) or is
 * unreachable; 2 bad usage or configuration.
 */
import { parseArgs } from 'node:util';
import { ApiError, createClient, type ProfileFields } from './cli-client.ts';
import { ConfigError, readSecret } from './config.ts';
import { PasswordInputError, readPassword } from './cli-password.ts';
import type { PublicUser } from './users.ts';

const USAGE = `Usage: node dist/cli.js <command> [options]

Commands:
  add --username U --password-stdin [--given-name G] [--family-name F] [--middle-name M]
      [--email E]... [--provider P]          create a user (password read from stdin)
  list                                       list every user
  find U                                     show one user
  update U [--password-stdin [--allow-local-password]] [--given-name G] [--family-name F]
      [--middle-name M] [--email E]...       (a provider account, e.g. x:123, gets a local
                                             password only with --allow-local-password)
  delete U                                   delete a user
  password-check U                           check the password read from stdin (exit 1 if wrong)

Options:
  --json        machine-readable output on stdout
  --url URL     service address (default http://127.0.0.1:$PORT, PORT defaults to 3333)
  -h, --help    this text

Environment: USERAUTH_API_USER (default "them"), USERAUTH_API_KEY or USERAUTH_API_KEY_FILE.`;

/** Wrong flags or arguments: print usage, exit 2. */
class UsageError extends Error {}

const OPTIONS = {
  json: { type: 'boolean' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'given-name': { type: 'string' },
  'family-name': { type: 'string' },
  'middle-name': { type: 'string' },
  provider: { type: 'string' },
  email: { type: 'string', multiple: true },
  'allow-local-password': { type: 'boolean' },
} as const;

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>
>['values'];

async function profile(values: Values): Promise<ProfileFields> {
  const fields: ProfileFields = {};
  if (values['password-stdin']) fields.password = await readPassword();
  if (values['given-name'] !== undefined) fields.givenName = values['given-name'];
  if (values['family-name'] !== undefined) fields.familyName = values['family-name'];
  if (values['middle-name'] !== undefined) fields.middleName = values['middle-name'];
  if (values.provider !== undefined) fields.provider = values.provider;
  if (values.email !== undefined) fields.emails = values.email;
  if (values['allow-local-password']) fields.allowLocalPassword = true;
  return fields;
}

function describeUser(u: PublicUser): string {
  const name = [u.givenName, u.middleName, u.familyName].filter(Boolean).join(' ');
  return [
    `username: ${u.username}`,
    `name:     ${name || '-'}`,
    `provider: ${u.provider || '-'}`,
    `emails:   ${u.emails.join(', ') || '-'}`,
  ].join('\n');
}

function describeList(users: PublicUser[]): string {
  if (users.length === 0) return '(no users)';
  const rows = users.map((u) => [
    u.username,
    [u.givenName, u.familyName].filter(Boolean).join(' '),
    u.emails.join(', '),
  ]);
  const width = (i: number) =>
    Math.max(...rows.map((r) => (r[i] ?? '').length), ['USERNAME', 'NAME'][i]?.length ?? 0);
  const line = (r: string[]) =>
    `${(r[0] ?? '').padEnd(width(0))}  ${(r[1] ?? '').padEnd(width(1))}  ${r[2] ?? ''}`.trimEnd();
  return [line(['USERNAME', 'NAME', 'EMAILS']), ...rows.map(line)].join('\n');
}

function serviceUrl(flag: string | undefined): string {
  if (flag) return flag;
  const host = process.env.HOST;
  const local = !host || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${local}:${process.env.PORT || 3333}`;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const apiKey = readSecret(process.env, 'USERAUTH_API_KEY');
  if (!apiKey) throw new ConfigError('USERAUTH_API_KEY or USERAUTH_API_KEY_FILE must be set');
  const client = createClient(
    serviceUrl(values.url),
    process.env.USERAUTH_API_USER || 'them',
    apiKey,
  );
  const username = () => {
    const name = rest[0] ?? (command === 'add' ? values.username : undefined);
    if (!name || rest.length > 1) throw new UsageError(`${command}: expected exactly one username`);
    return name;
  };
  const print = (data: unknown, human: string) =>
    console.log(values.json ? JSON.stringify(data, null, 2) : human);

  switch (command) {
    case 'add': {
      if (!values['password-stdin'])
        throw new UsageError('add: --password-stdin is required (the password is read from stdin)');
      const user = await client.create(username(), await profile(values));
      print(user, `created user ${user.username}`);
      return 0;
    }
    case 'update': {
      const name = username();
      const user = await client.update(name, await profile(values));
      print(user, `updated user ${user.username}`);
      return 0;
    }
    case 'find': {
      const user = await client.find(username());
      print(user, describeUser(user));
      return 0;
    }
    case 'list': {
      if (rest.length > 0) throw new UsageError('list: takes no arguments');
      const users = await client.list();
      print(users, describeList(users));
      return 0;
    }
    case 'delete': {
      const name = username();
      await client.destroy(name);
      print({ deleted: name }, `deleted user ${name}`);
      return 0;
    }
    case 'password-check': {
      const name = username();
      const result = await client.passwordCheck(name, await readPassword());
      print(
        result,
        result.check ? 'password OK' : `password check failed: ${result.message ?? ''}`,
      );
      return result.check ? 0 : 1;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** Map every failure to a message and an exit code; the only place that exits. */
async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const fail = (code: number, message: string) => {
    console.error(`userauth: ${message}`);
    if (json) console.log(JSON.stringify({ error: message }));
    process.exitCode = code;
  };
  try {
    process.exitCode = await run(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ApiError)
      return fail(1, err.status ? `${err.message} (HTTP ${err.status})` : err.message);
    if (
      err instanceof UsageError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      fail(2, `${(err as Error).message}\n\n${USAGE}`);
      return;
    }
    if (err instanceof ConfigError || err instanceof PasswordInputError)
      return fail(2, err.message);
    throw err;
  }
}

await main();
