/**
 * `notesctl provision digitalocean NAME [--region] [--size] [--image] [--tag]`: a new Droplet
 * with Docker, its own SSH key and a firewall admitting only SSH and the topology's published
 * ports, checked like `provision ssh`, then recorded (src/provision/digitalocean/create.ts does the work).
 */
import type { CommandRunner } from '../cli.ts';
import { UsageError } from '../errors.ts';
import { optionalTopology } from '../hosts/known.ts';
import { digitalOceanToken, sshOptionsFor } from '../hosts/prompts.ts';
import { checkNewHostName, readHost } from '../hosts/store.ts';
import type { Topology } from '../model/topology.ts';
import { createProgress } from '../output/progress.ts';
import { apiUrlFromEnv, DigitalOceanClient } from '../provision/digitalocean/client.ts';
import { createDropletHost } from '../provision/digitalocean/create.ts';
import { publishedPorts } from '../provision/digitalocean/plan.ts';

/** Ports for the firewall: the services placed on `name`, else every service's (for --host). */
function firewallPorts(topology: Topology | undefined, name: string) {
  if (!topology) return { ports: [], portsReason: 'no topology file here, so SSH only' };
  const placed = publishedPorts(topology.services, name);
  if (placed.length > 0)
    return { ports: placed, portsReason: `the ports ${topology.file} publishes on ${name}` };
  const everywhere = Object.fromEntries(
    Object.entries(topology.services).map(([k, s]) => [k, { ...s, host: name }]),
  );
  const ports = publishedPorts(everywhere, name);
  return {
    ports,
    portsReason: `no service of ${topology.file} is placed on ${name}: every port it publishes (for \`up --host ${name}\`)`,
  };
}

/** Run `provision digitalocean`. */
export const run: CommandRunner = async ({ global, args, options, terminal }) => {
  const name = checkNewHostName(args[0]);
  if (await readHost(name)) {
    throw new UsageError(`host ${name} is already recorded`, {
      hint: `Use it (notesctl up --host ${name}), or remove it first (notesctl hosts rm ${name}).`,
    });
  }
  const flag = (key: string, fallback: string) =>
    typeof options[key] === 'string' ? options[key] : fallback;
  const topology = await optionalTopology(global.file, terminal);
  const token = await digitalOceanToken();
  const progress = await createProgress(terminal);
  const client = new DigitalOceanClient({
    token,
    baseUrl: apiUrlFromEnv(process.env),
    onRetry: (retry) =>
      progress.sink({
        type: 'note',
        text: `DigitalOcean ${retry.method} ${retry.path}: ${retry.reason}; retrying in ${(retry.delayMs / 1000).toFixed(1)} s`,
      }),
  });
  try {
    const record = await createDropletHost(
      {
        name,
        region: flag('region', 'fra1'),
        size: flag('size', 's-1vcpu-2gb'),
        image: flag('image', 'debian-12-x64'),
        extraTags: typeof options.tag === 'string' ? [options.tag] : [],
        ...firewallPorts(topology, name),
      },
      client,
      sshOptionsFor(terminal, true),
      progress.sink,
    );
    progress.stop();
    if (global.json) terminal.json(record);
    else
      terminal.info(
        `Host ${name} is ready at ${record.hostname} (recorded). Deploy to it with: notesctl up --host ${name}`,
      );
    return 0;
  } finally {
    progress.stop();
  }
};
