/**
 * Commander wiring only: flags → typed options → src/commands/*. This is the one place that
 * catches errors and decides the exit code (0 ok, 1 runtime failure, 2 usage or config error).
 */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { ExitCode, NotesctlError, UsageError } from './errors.ts';
import { reportError } from './output/report-error.ts';
import { Terminal, wantColor } from './output/terminal.ts';

const require = createRequire(import.meta.url);
const { version } = require('../package.json') as { version: string };

/** Options every command accepts. */
export interface GlobalOptions {
  file: string;
  host?: string | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  /** Trust (and record) a remote host key seen for the first time. */
  acceptNewHostKey: boolean;
}

/** What a command module exports: one function taking its parsed options. */
export type CommandRunner = (context: CommandContext) => Promise<number | undefined>;

/** Everything a command needs from the CLI layer. */
export interface CommandContext {
  global: GlobalOptions;
  args: string[];
  options: Record<string, unknown>;
  terminal: Terminal;
}

const EXAMPLES = `
Examples:
  $ notesctl up                         deploy the Notes stack on the local engine
  $ notesctl plan                       show what \`up\` would change, without changing it
  $ notesctl logs -f notes              follow the notes service's logs
  $ notesctl users add --username ann   create a user (prompts for the password)
  $ notesctl provision digitalocean web1 --region fra1
  $ notesctl up --host web1             deploy the same topology to a remote host over SSH
  $ notesctl down --volumes             remove the stack and its data (asks first)

Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.
Docs: README.md, and the JSON Schema in schema/notesctl.schema.json for editor completion.`;

/** Build the commander program; `run` is called with the command module to load. */
export function buildProgram(
  dispatch: (
    load: string,
    args: string[],
    options: Record<string, unknown>,
    command: Command,
  ) => Promise<void>,
): Command {
  const program = new Command('notesctl')
    .description(
      'Deploy a multi-service app described in one YAML file to Docker engines, local or over SSH.',
    )
    .version(version, '-V, --version', 'print the notesctl version')
    .option(
      '-f, --file <file>',
      'topology file',
      process.env.NOTESCTL_FILE ?? 'notesctl.config.yaml',
    )
    .option('--host <name>', "target host (default: each service's placement; env NOTESCTL_HOST)")
    .option('--json', 'machine-readable output on stdout', false)
    .option('-q, --quiet', 'only errors and data', false)
    .option('-v, --verbose', 'more detail, stack traces for errors', false)
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .option(
      '--accept-new-host-key',
      'trust and record an SSH host key seen for the first time (changed keys are still refused)',
      false,
    )
    .addHelpText('after', EXAMPLES)
    // Global options go before the verb (as with `docker compose -f FILE logs -f`): `-f` is the
    // topology file there and `--follow` after `logs`. The flags below are accepted on both sides.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined });

  const verb = (name: string, description: string, load: string) =>
    program
      .command(name)
      .description(description)
      .allowExcessArguments(false)
      .exitOverride()
      .configureOutput({ outputError: () => undefined })
      .action(async (...actionArgs: unknown[]) => {
        const command = actionArgs.at(-1) as Command;
        const options = command.opts();
        const args = command.args;
        await dispatch(load, args, options, command);
      });

  verb('up [services...]', 'create or update the services so they match the topology', 'up')
    .option('--build', 'rebuild images even when their inputs did not change')
    .option('--force-recreate', 'recreate containers even when unchanged')
    .option('--remove-orphans', 'remove containers of services no longer in the topology')
    .option('--no-wait', 'do not wait for services to become healthy');
  verb('down', "stop and remove the stack's containers and networks", 'down')
    .option('--volumes', 'also remove named volumes (data!)')
    .option('-y, --yes', 'do not ask before removing volumes');
  verb('ps', 'list services: state, health, ports, image, uptime', 'ps');
  verb('logs [services...]', 'show service logs', 'logs')
    .option('-f, --follow', 'follow the log output')
    .option('--tail <n>', 'number of lines from the end of each log')
    .option('--since <time>', 'only lines since a timestamp or a duration (10m, 2h)')
    .option('-t, --timestamps', 'show timestamps');
  verb('exec <service> [command...]', 'run a command in a running service container', 'exec')
    .option('-T, --no-tty', 'do not allocate a TTY')
    .option('-u, --user <user>', 'run as this user')
    .addHelpText(
      'after',
      '\nExample:\n  $ notesctl exec notes -- node -e "console.log(process.version)"',
    );
  verb('plan', 'show what `up` would do, without doing it', 'plan');
  verb('build [services...]', 'build the images of `build:` services', 'build').option(
    '--no-cache',
    'do not use the build cache',
  );

  const users = program
    .command('users')
    .description('manage Notes user accounts (through the userauth service)')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  const userVerb = (name: string, description: string) =>
    users
      .command(name)
      .description(description)
      .allowExcessArguments(false)
      .exitOverride()
      .configureOutput({ outputError: () => undefined })
      .action(async (...actionArgs: unknown[]) => {
        const command = actionArgs.at(-1) as Command;
        await dispatch(
          'users',
          [name.split(' ')[0] ?? name, ...command.args],
          command.opts(),
          command,
        );
      });
  userVerb('add', 'create a user (prompts for missing fields on a TTY)')
    .option('--username <name>', 'user name')
    .option('--password <password>', 'password (prefer --password-stdin or the prompt)')
    .option('--password-stdin', 'read the password from standard input')
    .option('--given-name <name>', 'given name')
    .option('--family-name <name>', 'family name')
    .option('--email <email>', 'e-mail address');
  userVerb('list', 'list users');
  userVerb('find <username>', 'show one user');
  userVerb('delete <username>', 'delete a user');
  userVerb('update <username>', "change a user's fields or password")
    .option('--password-stdin', 'read the new password from standard input')
    .option('--given-name <name>', 'given name')
    .option('--family-name <name>', 'family name')
    .option('--email <email>', 'e-mail address');
  userVerb(
    'password-check <username>',
    'check a password (read from standard input or a prompt)',
  ).option('--password-stdin', 'read the password from standard input');

  const provision = program
    .command('provision')
    .description(
      'prepare a host for notesctl: an existing SSH server or a new DigitalOcean droplet',
    )
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  provision
    .command('ssh <name> <target>')
    .description('install Docker on an existing server (target: user@host[:port]) and record it')
    .option('-i, --identity <file>', 'SSH private key')
    .option('--accept-new-host-key', 'trust the host key on first contact')
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .action(async (...a: unknown[]) => {
      const c = a.at(-1) as Command;
      await dispatch('provision-ssh', c.args, c.opts(), c);
    });
  provision
    .command('digitalocean <name>')
    .description('create a droplet with Docker, a firewall and an SSH key, and record it')
    .option('--region <slug>', 'region', 'fra1')
    .option('--size <slug>', 'droplet size', 's-1vcpu-2gb')
    .option('--image <slug>', 'image', 'debian-12-x64')
    .option('--tag <tag>', 'extra droplet tag')
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .action(async (...a: unknown[]) => {
      const c = a.at(-1) as Command;
      await dispatch('provision-digitalocean', c.args, c.opts(), c);
    });

  const hosts = program
    .command('hosts')
    .description('list, inspect, remove and open a shell on recorded hosts')
    .exitOverride()
    .configureOutput({ outputError: () => undefined });
  for (const [name, description] of [
    ['ls', 'list known hosts'],
    ['show <name>', 'show one host'],
    [
      'rm <name>',
      'forget a host (and delete its droplet, firewall and key if notesctl created them)',
    ],
    ['ssh <name> [command...]', 'open a shell (or run a command) on a host'],
  ] as const) {
    const sub = hosts
      .command(name)
      .description(description)
      .exitOverride()
      .configureOutput({ outputError: () => undefined })
      .action(async (...a: unknown[]) => {
        const c = a.at(-1) as Command;
        await dispatch('hosts', [name.split(' ')[0] ?? name, ...c.args], c.opts(), c);
      });
    if (name.startsWith('rm')) sub.option('-y, --yes', 'do not ask first');
    if (name === 'ls')
      sub.option('--probe', 'ask each host for its Docker version (over SSH, in parallel)');
  }
  addCommonOptions(program);
  return program;
}

/** Flags every verb also accepts after its name (`notesctl ps --json`). */
const COMMON_OPTIONS: [string, string][] = [
  ['--host <name>', 'target host (env NOTESCTL_HOST)'],
  ['--json', 'machine-readable output on stdout'],
  ['-q, --quiet', 'only errors and data'],
  ['-v, --verbose', 'more detail, stack traces for errors'],
  ['--no-color', 'no colours (also NO_COLOR=1)'],
  ['--accept-new-host-key', 'trust and record an SSH host key seen for the first time'],
];

function addCommonOptions(command: Command): void {
  for (const sub of command.commands) {
    if (sub.commands.length > 0) {
      addCommonOptions(sub);
      continue;
    }
    for (const [flags, description] of COMMON_OPTIONS) {
      const long = flags.split(' ').find((f) => f.startsWith('--'));
      if (
        sub.options.some(
          (o) => o.long === long || (o.short !== undefined && flags.startsWith(`${o.short},`)),
        )
      )
        continue;
      sub.option(flags, description);
    }
  }
}

interface CommonValues {
  host?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
  acceptNewHostKey?: boolean;
}

function globalOptions(program: Command, command: Command): GlobalOptions {
  const o = program.opts<CommonValues & { file: string }>();
  const local = command.opts<CommonValues>();
  if ((local.quiet ?? o.quiet) === true && (local.verbose ?? o.verbose) === true) {
    throw new UsageError('-q/--quiet and -v/--verbose cannot be used together', {
      hint: 'Choose one: -q prints only errors and data, -v adds detail and stack traces.',
    });
  }
  return {
    file: o.file,
    host: local.host ?? o.host ?? process.env.NOTESCTL_HOST,
    json: local.json ?? o.json ?? false,
    quiet: local.quiet ?? o.quiet ?? false,
    verbose: local.verbose ?? o.verbose ?? false,
    color: wantColor(local.color !== false && o.color !== false, process.env, process.stderr.isTTY),
    acceptNewHostKey: local.acceptNewHostKey ?? o.acceptNewHostKey ?? false,
  };
}

/** Run the CLI with the given argv; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let terminal = new Terminal({
    json: false,
    quiet: false,
    verbose: false,
    color: wantColor(undefined, process.env, process.stderr.isTTY),
  });
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(async (load, args, options, command) => {
    const global = globalOptions(program, command);
    terminal = new Terminal(global);
    const runner = await loadCommand(load, command.name());
    exitCode = (await runner({ global, args, options, terminal })) ?? ExitCode.ok;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return reportCommanderError(terminal, error);
    return reportError(terminal, error);
  }
}

function reportCommanderError(terminal: Terminal, error: CommanderError): number {
  // --help and --version end through exitOverride with code 0.
  if (
    error.exitCode === 0 ||
    error.code === 'commander.helpDisplayed' ||
    error.code === 'commander.version'
  ) {
    return ExitCode.ok;
  }
  if (error.code === 'commander.help') return ExitCode.usage;
  const message = error.message.replace(/^error: /, '');
  return reportError(
    terminal,
    new UsageError(message, {
      hint: /unknown option '(-f|--file)'/.test(message)
        ? 'The topology file is a global option: put it before the command, e.g. `notesctl -f FILE up`.'
        : 'Run `notesctl --help` for the list of commands and flags.',
    }),
  );
}

async function loadCommand(load: string, verb: string): Promise<CommandRunner> {
  try {
    const module = (await import(`./commands/${load}.ts`)) as { run: CommandRunner };
    return module.run;
  } catch (error) {
    if (isModuleNotFound(error)) {
      throw new NotesctlError(`\`${verb}\` is not available in this build yet`, {
        hint: 'This command is being built; see the issue tracker.',
      });
    }
    throw error;
  }
}

function isModuleNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    error.code === 'ERR_MODULE_NOT_FOUND' &&
    error.message.includes('/commands/')
  );
}
