/**
 * `notesctl provision ssh NAME user@host[:port] [--identity F] [--accept-new-host-key]`: make an
 * existing Debian/Ubuntu server a Docker host (docker-machine's generic driver) and record it
 * (src/provision/ssh/add-host.ts does the work).
 */
import type { Command } from 'commander';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { checkNewHostName } from '../../hosts/store.ts';
import { parseTarget } from '../../hosts/target.ts';
import { createProgress } from '../../output/progress.ts';
import { addSshHost, sameHostRecord } from '../../provision/ssh/add-host.ts';
import type { CommandContext } from '../context.ts';

/** The server, its name, and how to log in. */
export interface ProvisionSshOptions {
  name: string;
  /** `user@host[:port]`, as given. */
  target: string;
  identity: string | undefined;
  acceptNewHostKey: boolean;
}

/** Declare `provision ssh`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('-i, --identity <file>', 'SSH private key')
    .option('--accept-new-host-key', 'trust the host key on first contact');
}

/** `provision ssh`'s options from what commander parsed. */
export function readOptions(command: Command): ProvisionSshOptions {
  const [name = '', target = ''] = command.args;
  const o = command.opts<Partial<ProvisionSshOptions>>();
  return { name, target, identity: o.identity, acceptNewHostKey: o.acceptNewHostKey === true };
}

/** Run `provision ssh`. */
export async function run(
  options: ProvisionSshOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const name = checkNewHostName(options.name);
  const target = parseTarget(options.target, 'provision ssh TARGET');
  const existing = await sameHostRecord(name, target);
  const progress = await createProgress(terminal);
  try {
    const ssh = sshOptionsFor(terminal, global.acceptNewHostKey || options.acceptNewHostKey);
    const spec = { name, target, identity: options.identity };
    const record = await addSshHost(spec, existing, ssh, progress.sink);
    progress.stop();
    if (global.json) terminal.json(record);
    else
      terminal.info(
        `Host ${name} is ready (${existing ? 'record updated' : 'recorded'}). Deploy to it with: notesctl up --host ${name}`,
      );
    return 0;
  } finally {
    progress.stop();
  }
}
