/**
 * Power actions on DigitalOcean hosts (issue 23: `hosts start|stop|restart`, docker-machine's
 * parity): the action through the API, then its completion polled (the droplet's state after it
 * is what is reported). Other hosts are refused: notesctl cannot power a server it did not create.
 */
import { RuntimeError, UsageError } from '../../errors.ts';
import { digitalOceanToken } from '../../hosts/prompts.ts';
import { readHost } from '../../hosts/store.ts';
import type { DropletActionType } from '../../provision/digitalocean/types.ts';
import type { CommandContext } from '../context.ts';
import { digitalOceanClient } from './digitalocean.ts';

/** The longest wait for an action to complete. */
const ACTION_TIMEOUT_MS = 300_000;

/** Run `type` on host `name`'s droplet and wait for it; exit code 0. */
export async function powerAction(
  name: string,
  type: DropletActionType,
  context: CommandContext,
): Promise<number> {
  const { terminal } = context;
  const record = await readHost(name);
  const droplet = record?.digitalocean?.dropletId;
  if (droplet === undefined) {
    throw new UsageError(
      `hosts ${verbOf(type)} ${name}: ${record ? 'not a DigitalOcean host' : 'not a host recorded by notesctl provision'}; notesctl powers only droplets it created`,
      { hint: `Use your provider's console, or \`notesctl hosts ssh ${name} -- sudo reboot\`.` },
    );
  }
  const client = digitalOceanClient(await digitalOceanToken());
  let action = await client.dropletAction(droplet, type);
  terminal.info(`${name}: ${type} (droplet ${droplet}, action ${action.id})…`);
  const deadline = Date.now() + ACTION_TIMEOUT_MS;
  while (action.status === 'in-progress') {
    if (Date.now() > deadline) {
      throw new RuntimeError(
        `${name}: ${type} still in progress after ${ACTION_TIMEOUT_MS / 1000} s`,
        {
          hint: `See \`notesctl hosts status ${name}\` later.`,
        },
      );
    }
    await new Promise((r) => setTimeout(r, 250));
    action = await client.getAction(action.id);
  }
  if (action.status !== 'completed') {
    throw new RuntimeError(`${name}: DigitalOcean reports the ${type} action ${action.status}`);
  }
  const { status } = await client.getDroplet(droplet);
  if (context.global.json) terminal.json({ name, action: type, droplet: status });
  else terminal.data(`${name}: ${status}`);
  return 0;
}

function verbOf(type: DropletActionType): string {
  return type === 'power_on' ? 'start' : type === 'reboot' ? 'restart' : 'stop';
}
