/**
 * `notesctl provision digitalocean NAME [--region] [--size] [--image] [--tag]`: a new Droplet
 * with Docker, its own SSH key and a firewall admitting only SSH and the topology's published
 * ports, checked like `provision ssh`, then recorded (src/provision/digitalocean/create.ts).
 */
import type { Command } from 'commander';
import { optionalTopology } from '../../hosts/known.ts';
import { digitalOceanToken, sshOptionsFor } from '../../hosts/prompts.ts';
import { createProgress } from '../../output/progress.ts';
import { createDropletHost, newDropletHostName } from '../../provision/digitalocean/create.ts';
import { firewallPorts } from '../../provision/digitalocean/plan.ts';
import type { CommandContext } from '../context.ts';
import { digitalOceanClient } from '../support/digitalocean.ts';

/** The new host's name and droplet (`extraTags`: --tag, if given). */
export interface ProvisionDigitalOceanOptions {
  name: string;
  region: string;
  size: string;
  image: string;
  extraTags: string[];
}

/** Declare `provision digitalocean`'s flags (with their defaults). */
export function configure(command: Command): Command {
  return command
    .option('--region <slug>', 'region', 'fra1')
    .option('--size <slug>', 'droplet size', 's-1vcpu-2gb')
    .option('--image <slug>', 'image', 'debian-12-x64')
    .option('--tag <tag>', 'extra droplet tag');
}

/** `provision digitalocean`'s options from what commander parsed. */
export function readOptions(command: Command): ProvisionDigitalOceanOptions {
  const o = command.opts<{ region: string; size: string; image: string; tag?: string }>();
  const extraTags = o.tag === undefined ? [] : [o.tag];
  return { name: command.args[0] ?? '', region: o.region, size: o.size, image: o.image, extraTags };
}

/** Run `provision digitalocean`. */
export async function run(
  options: ProvisionDigitalOceanOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const name = await newDropletHostName(options.name);
  const ports = firewallPorts(await optionalTopology(global.file, terminal), name);
  const token = await digitalOceanToken();
  const progress = await createProgress(terminal);
  const client = digitalOceanClient(token, progress.sink);
  const spec = { ...options, name, ...ports };
  const created = createDropletHost(spec, client, sshOptionsFor(terminal, true), progress.sink);
  // The spinner stops before the result is printed, and on failure before the error is.
  const record = await created.finally(() => progress.stop());
  const ready = `Host ${name} is ready at ${record.hostname} (recorded). Deploy to it with: notesctl up --host ${name}`;
  if (global.json) terminal.json(record);
  else terminal.info(ready);
  return 0;
}
