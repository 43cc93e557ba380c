/**
 * `notesctl hosts rm NAME [-y]` (docker-machine's rm): forget a recorded host, after deleting
 * its droplet, firewall and SSH key if notesctl created them on DigitalOcean.
 */
import type { Command } from 'commander';
import { describeEndpoint } from '../../engine/ssh/endpoint.ts';
import { UsageError } from '../../errors.ts';
import { optionalTopology } from '../../hosts/known.ts';
import { digitalOceanToken } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import { createProgress } from '../../output/progress.ts';
import { removeRecordedHost } from '../../provision/remove-host.ts';
import type { CommandContext } from '../context.ts';
import { confirmOrRequireYes } from '../support/confirm.ts';
import { digitalOceanClient } from '../support/digitalocean.ts';

/** Which host, and whether to skip the question. */
export interface RmOptions {
  name: string;
  yes: boolean;
}

/** Declare `hosts rm`'s flags. */
export function configure(command: Command): Command {
  return command.option('-y, --yes', 'do not ask first');
}

/** `hosts rm`'s options from what commander parsed. */
export function readOptions(command: Command): RmOptions {
  return { name: command.args[0] ?? '', yes: command.opts<Partial<RmOptions>>().yes === true };
}

/** Run `hosts rm`. */
export async function run(
  { name, yes }: RmOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const topology = await optionalTopology(global.file, terminal);
  const { record } = await resolveHost(name, topology);
  if (!record) {
    throw new UsageError(
      `host ${name} is declared in ${topology?.file ?? 'the topology'}, not recorded by notesctl`,
      { hint: 'Remove it from hosts: in the topology instead.' },
    );
  }
  const what = record.digitalocean
    ? `Delete droplet ${record.digitalocean.dropletId}, its firewall and SSH key on DigitalOcean, and forget host ${name}?`
    : `Forget host ${name} (${describeEndpoint(record)})? The server itself is left as it is.`;
  if (!(await confirmOrRequireYes(what, yes, '-y'))) return 1;
  const progress = await createProgress(terminal);
  const connect = async () => digitalOceanClient(await digitalOceanToken());
  await removeRecordedHost(record, connect, progress.sink).finally(() => progress.stop());
  return 0;
}
