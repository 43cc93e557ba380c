/**
 * `notesctl hosts ip NAME` (docker-machine's ip, issue 23): the address notesctl reaches the
 * host at — for a DigitalOcean host, its droplet's public IPv4.
 */
import type { Command } from 'commander';
import { optionalTopology } from '../../hosts/known.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import type { CommandContext } from '../context.ts';

/** Which host. */
export interface IpOptions {
  name: string;
}

/** `hosts ip` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `hosts ip`'s options from what commander parsed. */
export function readOptions(command: Command): IpOptions {
  return { name: command.args[0] ?? '' };
}

/** Run `hosts ip`. */
export async function run(
  { name }: IpOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await optionalTopology(global.file, terminal);
  const { endpoint } = await resolveHost(name, topology);
  if (global.json) terminal.json({ name, ip: endpoint.hostname });
  else terminal.data(endpoint.hostname);
  return 0;
}
