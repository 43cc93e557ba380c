/**
 * `notesctl hosts show NAME` (docker-machine's inspect): how a host is reached, what was found
 * when it was provisioned, the host keys trusted for it; never a secret.
 */
import type { Command } from 'commander';
import { optionalTopology } from '../../hosts/known.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import type { CommandContext } from '../context.ts';
import { formatDetails, hostDetails } from '../support/host-details.ts';

/** Which host. */
export interface ShowOptions {
  name: string;
}

/** `hosts show` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `hosts show`'s options from what commander parsed. */
export function readOptions(command: Command): ShowOptions {
  return { name: command.args[0] ?? '' };
}

/** Run `hosts show`. */
export async function run(
  { name }: ShowOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await optionalTopology(global.file, terminal);
  const details = await hostDetails(name, await resolveHost(name, topology));
  if (global.json) terminal.json(details);
  else terminal.data(formatDetails(details));
  return 0;
}
