/**
 * Commander wiring only: the table of commands, the global flags, and the one place that catches
 * errors and decides the exit code (0 ok, 1 runtime failure, 2 usage or config error). Each
 * command's flags and behaviour are in its module under src/commands/, imported only when that
 * command runs or shows its help: `--version` and `--help` load none of them.
 */
import { Command, CommanderError, Help } from 'commander';
import { LazyCommand, leaf, type Group, type Invocation, type Leaf } from './cli/lazy-command.ts';
import type { GlobalOptions } from './commands/context.ts';
import { ExitCode, UsageError } from './errors.ts';
import { reportError } from './output/report-error.ts';
import { Terminal, wantColor, type OutputStreams } from './output/terminal.ts';
import { NOTESCTL_VERSION as version } from './version.ts';

export type { Invocation } from './cli/lazy-command.ts';

/** Every command, in the order `--help` lists them. The imports are literal: a typo fails tsc. */
const COMMANDS: (Leaf | Group)[] = [
  leaf({
    name: 'up [services...]',
    description: 'create or update the services so they match the topology',
    load: () => import('./commands/up.ts'),
  }),
  leaf({
    name: 'down',
    description: "stop and remove the stack's containers and networks",
    load: () => import('./commands/down.ts'),
  }),
  leaf({
    name: 'ps',
    description: 'list services: state, health, ports, image, uptime',
    load: () => import('./commands/ps.ts'),
  }),
  leaf({
    name: 'logs [services...]',
    description: 'show service logs',
    load: () => import('./commands/logs.ts'),
  }),
  leaf({
    name: 'exec <service> [command...]',
    description: 'run a command in a running service container',
    load: () => import('./commands/exec.ts'),
  }),
  leaf({
    name: 'plan',
    description: 'show what `up` would do, without doing it',
    load: () => import('./commands/plan.ts'),
  }),
  leaf({
    name: 'releases [service]',
    description: 'list the releases recorded on each host (newest first)',
    load: () => import('./commands/releases.ts'),
  }),
  leaf({
    name: 'rollback [service]',
    description: "run an earlier release's images again (blue/green behind the proxy)",
    load: () => import('./commands/rollback.ts'),
  }),
  leaf({
    name: 'backup [services...]',
    description: 'back up databases (a consistent dump) and volumes into local files',
    load: () => import('./commands/backup.ts'),
  }),
  leaf({
    name: 'restore <service> <file>',
    description: 'restore a database or a volume from a backup file (checked first; asks first)',
    load: () => import('./commands/restore.ts'),
  }),
  leaf({
    name: 'build [services...]',
    description: 'build the images of `build:` services',
    load: () => import('./commands/build.ts'),
  }),
  {
    name: 'users',
    description: 'manage Notes user accounts (through the userauth service)',
    commands: [
      leaf({
        name: 'add',
        description: 'create a user (prompts for missing fields on a TTY)',
        load: () => import('./commands/users/add.ts'),
      }),
      leaf({
        name: 'list',
        description: 'list users',
        load: () => import('./commands/users/list.ts'),
      }),
      leaf({
        name: 'find <username>',
        description: 'show one user',
        load: () => import('./commands/users/find.ts'),
      }),
      leaf({
        name: 'delete <username>',
        description: 'delete a user',
        load: () => import('./commands/users/delete.ts'),
      }),
      leaf({
        name: 'update <username>',
        description: "change a user's fields or password",
        load: () => import('./commands/users/update.ts'),
      }),
      leaf({
        name: 'password-check <username>',
        description: 'check a password (read from standard input or a prompt)',
        load: () => import('./commands/users/password-check.ts'),
      }),
    ],
  },
  {
    name: 'lock',
    description: "the deploy lock on the project's hosts (held by up, down, restore)",
    commands: [
      leaf({
        name: 'status',
        description: 'who holds the deploy lock on each host, since when, and its lease',
        load: () => import('./commands/lock/status.ts'),
      }),
      leaf({
        name: 'release',
        description: 'remove a stuck deploy lock (asks first; calls in flight are kept)',
        load: () => import('./commands/lock/release.ts'),
      }),
    ],
  },
  {
    name: 'provision',
    description:
      'prepare a host for notesctl: an existing SSH server or a new DigitalOcean droplet',
    commands: [
      leaf({
        name: 'ssh <name> <target>',
        description:
          'make an existing server (target: user@host[:port]) a Docker host, or a plain server with --runtime, and record it',
        load: () => import('./commands/provision/ssh.ts'),
      }),
      leaf({
        name: 'digitalocean <name>',
        description: 'create a droplet with Docker, a firewall and an SSH key, and record it',
        load: () => import('./commands/provision/digitalocean.ts'),
      }),
    ],
  },
  {
    name: 'hosts',
    description: 'list, inspect, remove and open a shell on recorded hosts',
    commands: [
      leaf({
        name: 'ls',
        description: 'list known hosts',
        load: () => import('./commands/hosts/ls.ts'),
      }),
      leaf({
        name: 'show <name>',
        description: 'show one host',
        load: () => import('./commands/hosts/show.ts'),
      }),
      leaf({
        name: 'rm <name>',
        description:
          'forget a host (and delete its droplet, firewall and key if notesctl created them)',
        load: () => import('./commands/hosts/rm.ts'),
      }),
      leaf({
        name: 'env <name>',
        description:
          'print the DOCKER_HOST for your own docker commands: one shared SSH connection',
        load: () => import('./commands/hosts/env.ts'),
      }),
      leaf({
        name: 'ip <name>',
        description: "print a host's address",
        load: () => import('./commands/hosts/ip.ts'),
      }),
      leaf({
        name: 'status <name>',
        description:
          'does SSH answer, does the engine answer, and the droplet state (DigitalOcean)',
        load: () => import('./commands/hosts/status.ts'),
      }),
      leaf({
        name: 'start <name>',
        description: "power a DigitalOcean host's droplet on",
        load: () => import('./commands/hosts/start.ts'),
      }),
      leaf({
        name: 'stop <name>',
        description: "shut a DigitalOcean host's droplet down",
        load: () => import('./commands/hosts/stop.ts'),
      }),
      leaf({
        name: 'restart <name>',
        description: "reboot a DigitalOcean host's droplet",
        load: () => import('./commands/hosts/restart.ts'),
      }),
      leaf({
        name: 'scp <source> <destination>',
        description: 'copy a file to or from a host (NAME:path) over its SSH connection',
        load: () => import('./commands/hosts/scp.ts'),
      }),
      leaf({
        name: 'ssh <name> [command...]',
        description: 'open a shell (or run a command) on a host',
        load: () => import('./commands/hosts/ssh.ts'),
      }),
    ],
  },
  {
    name: 'cluster',
    description: 'Docker Swarm clusters of the topology: create, grow, shrink, inspect, remove',
    commands: [
      leaf({
        name: 'up <name>',
        description: 'create the swarm or bring its members and node labels to the topology',
        load: () => import('./commands/cluster/up.ts'),
      }),
      leaf({
        name: 'ls',
        description: "list the topology's clusters: nodes and their state",
        load: () => import('./commands/cluster/ls.ts'),
      }),
      leaf({
        name: 'show <name>',
        description: "show a cluster's nodes: role, availability, state, leader, labels",
        load: () => import('./commands/cluster/show.ts'),
      }),
      leaf({
        name: 'rm <name>',
        description: 'every member leaves the swarm (asks first; refuses while services run)',
        load: () => import('./commands/cluster/rm.ts'),
      }),
    ],
  },
];

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

/** Build the commander program; `dispatch` receives each parsed command, ready to run. */
export function buildProgram(dispatch: (invocation: Invocation) => Promise<void>): Command {
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
    // topology file there and `--follow` after `logs`. The common flags are accepted on both sides.
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    // A command's flags come with its module: list it as it will be (`up [options] [services...]`).
    .configureHelp({
      subcommandTerm: (command) =>
        command instanceof LazyCommand ? command.term : new Help().subcommandTerm(command),
    });
  addCommands(program, COMMANDS, dispatch);
  return program;
}

/** Add the table's commands under `parent` (copying its settings), groups recursively. */
function addCommands(
  parent: Command,
  entries: (Leaf | Group)[],
  dispatch: (invocation: Invocation) => Promise<void>,
): void {
  parent.hook('preSubcommand', (_parent, sub) =>
    sub instanceof LazyCommand ? sub.load() : undefined,
  );
  for (const entry of entries) {
    if ('commands' in entry) {
      const group = parent.command(entry.name).description(entry.description);
      addCommands(group, entry.commands, dispatch);
    } else {
      parent.addCommand(new LazyCommand(entry, dispatch).copyInheritedSettings(parent));
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

/** The process's own streams, for the colour decision (Terminal writes to them). */
const STREAMS: OutputStreams = process;

/** The global options: the flags after the command win over those before it. */
export function globalOptions(program: Command, command: Command): GlobalOptions {
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
    color: wantColor(
      local.color !== false && o.color !== false,
      process.env,
      STREAMS.stderr.isTTY === true,
    ),
    acceptNewHostKey: local.acceptNewHostKey ?? o.acceptNewHostKey ?? false,
  };
}

/** Run the CLI with the given argv; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let terminal = new Terminal({
    json: false,
    quiet: false,
    verbose: false,
    color: wantColor(undefined, process.env, STREAMS.stderr.isTTY === true),
  });
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(async ({ command, run }) => {
    const global = globalOptions(program, command);
    terminal = new Terminal(global);
    exitCode = (await run({ global, terminal })) ?? ExitCode.ok;
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
