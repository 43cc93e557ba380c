/**
 * `notesctl hosts env NAME [--shell bash|zsh|fish] [--unset] [--idle SECONDS]` (issue 23,
 * docker-machine's `env`): point your own `docker` and `docker compose` at a host. Prints
 * `export DOCKER_HOST=unix://…/NAME.sock` for a local socket served by a background process that
 * holds ONE SSH connection to the host and turns every client connection into a channel to the
 * host's Docker socket (the persistent connection of persist.ts) — where `DOCKER_HOST=ssh://`
 * logs in again for every command. The host key is checked (and a new one recorded, asked or
 * refused) as for every other command before the background process starts; the socket is 0600
 * in a 0700 folder, so other users cannot connect; the process exits after --idle seconds
 * without a client, or when the link breaks.
 */
import type { Command } from 'commander';
import { basename, join } from 'node:path';
import { connectSsh } from '../../engine/ssh/connect.ts';
import { muxAnswers, startMux } from '../../engine/ssh/persist.ts';
import { RuntimeError, UsageError } from '../../errors.ts';
import { optionalTopology } from '../../hosts/known.ts';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import { LOCAL_HOST } from '../../model/topology.ts';
import { ensurePrivateDir, stateDir } from '../../state-dir.ts';
import type { CommandContext } from '../context.ts';

const SHELLS = ['bash', 'zsh', 'sh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

/** Which host, for which shell, and how long the socket lives unused. */
export interface EnvOptions {
  name: string;
  shell: string | undefined;
  unset: boolean;
  idleS: number;
}

/** Declare `hosts env`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('--shell <shell>', 'bash, zsh, sh or fish (default: from $SHELL)')
    .option('-u, --unset', 'print the commands that undo it')
    .option('--idle <seconds>', 'stop the connection after this long without a client', '1800')
    .addHelpText('after', '\nExample:\n  $ eval "$(notesctl hosts env web1)"; docker ps');
}

/** `hosts env`'s options from what commander parsed. */
export function readOptions(command: Command): EnvOptions {
  const o = command.opts<{ shell?: string; unset?: boolean; idle: string }>();
  const idleS = Number(o.idle);
  if (!Number.isFinite(idleS) || idleS <= 0) {
    throw new UsageError(`--idle: expected a number of seconds above 0, got "${o.idle}"`, {
      hint: 'E.g. --idle 600 stops the connection after ten minutes without a client.',
    });
  }
  return { name: command.args[0] ?? '', shell: o.shell, unset: o.unset === true, idleS };
}

function shellOf(option: string | undefined): Shell {
  const name = option ?? basename(process.env.SHELL ?? 'bash');
  const shell = SHELLS.find((s) => s === name);
  if (shell) return shell;
  throw new UsageError(
    `${option === undefined ? `$SHELL (${name})` : `--shell ${name}`}: expected one of ${SHELLS.join(', ')}`,
    { hint: 'Pass --shell bash, --shell zsh or --shell fish.' },
  );
}

/** The lines that set (or, with `value` undefined, unset) DOCKER_HOST in `shell`. */
export function envLines(shell: Shell, value: string | undefined, again: string): string[] {
  const fish = shell === 'fish';
  if (value === undefined) return [fish ? 'set -e DOCKER_HOST;' : 'unset DOCKER_HOST'];
  return [
    fish ? `set -gx DOCKER_HOST "${value}";` : `export DOCKER_HOST="${value}"`,
    '# Run this command to configure your shell:',
    fish ? `# eval (${again})` : `# eval "$(${again})"`,
  ];
}

/** Wait until the background process answers on `path`. */
async function answering(path: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await muxAnswers(path)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Run `hosts env`. */
export async function run(options: EnvOptions, context: CommandContext): Promise<number> {
  const { global, terminal } = context;
  const shell = shellOf(options.shell);
  const again = `notesctl hosts env ${options.name}${options.shell ? ` --shell ${shell}` : ''}`;
  if (options.unset) {
    terminal.data(envLines(shell, undefined, again).join('\n'));
    return 0;
  }
  if (options.name === LOCAL_HOST) {
    throw new UsageError('hosts env local: the local engine needs no DOCKER_HOST', {
      hint: 'Run `eval "$(notesctl hosts env --unset local)"` to point docker back at it.',
    });
  }
  const topology = await optionalTopology(global.file, terminal);
  const { endpoint, runtime } = await resolveHost(options.name, topology);
  if (runtime !== 'docker') {
    throw new UsageError(
      `hosts env ${options.name}: the host runs runtime ${runtime}, without a Docker engine to point docker at`,
      {
        hint: `Reach its services with notesctl (ps, logs, exec), or its shell with \`notesctl hosts ssh ${options.name}\`.`,
      },
    );
  }
  const socketPath = join(stateDir(), 'env', `${options.name}.sock`);
  if (!(await muxAnswers(socketPath))) {
    await ensurePrivateDir(join(stateDir(), 'env'));
    // The host key is checked (and a new one recorded) now, with the questions and flags of
    // every command: the background process never asks and accepts only a recorded key.
    const ssh = sshOptionsFor(terminal, global.acceptNewHostKey);
    const link = await connectSsh(endpoint, ssh);
    await link.close();
    await startMux({
      endpoint,
      socketPath,
      idleMs: options.idleS * 1000,
      knownHosts: ssh.hostKeys.files,
      sshAuthSock: process.env.SSH_AUTH_SOCK,
      home: process.env.HOME,
    });
    if (!(await answering(socketPath, 30_000))) {
      throw new RuntimeError(`the connection to ${options.name} did not come up at ${socketPath}`, {
        hint: `Check that \`notesctl hosts ssh ${options.name} true\` works.`,
      });
    }
  }
  terminal.data(envLines(shell, `unix://${socketPath}`, again).join('\n'));
  return 0;
}
