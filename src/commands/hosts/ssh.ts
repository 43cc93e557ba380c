/**
 * `notesctl hosts ssh NAME [command…]` (docker-machine's ssh): a shell, or one command, on a
 * host over the same SSH layer (host keys, identities) the engine connection uses.
 */
import type { Command } from 'commander';
import { connectSsh } from '../../engine/ssh/connect.ts';
import { runAttached } from '../../engine/ssh/exec.ts';
import { shellCommand } from '../../engine/ssh/shell-quote.ts';
import { optionalTopology } from '../../hosts/known.ts';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import type { CommandContext } from '../context.ts';

/** Which host, and what to run there (nothing: a login shell). */
export interface SshOptions {
  name: string;
  command: string[];
}

/** `hosts ssh` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `hosts ssh`'s options from what commander parsed. */
export function readOptions(command: Command): SshOptions {
  const [name = '', ...rest] = command.args;
  return { name, command: rest };
}

/** Run `hosts ssh`; resolves to the remote command's exit code. */
export async function run(
  options: SshOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await optionalTopology(global.file, terminal);
  const host = await resolveHost(options.name, topology);
  const link = await connectSsh(host.endpoint, sshOptionsFor(terminal, global.acceptNewHostKey));
  try {
    const interactive = process.stdin.isTTY && terminal.streams.stdout.isTTY === true;
    const { command } = options;
    return await runAttached(link, command.length > 0 ? shellCommand(command) : undefined, {
      stdin: process.stdin,
      stdout: terminal.streams.stdout,
      stderr: terminal.streams.stderr,
      pty: interactive,
      term: process.env.TERM ?? 'xterm-256color',
    });
  } finally {
    await link.close();
  }
}
