/**
 * `notesctl provision digitalocean NAME [--region] [--size] [--image] [--tag] [--cluster C]`: a
 * new Droplet with Docker, its own SSH key and a firewall admitting only SSH and the topology's
 * published ports (with --cluster, also the swarm ports from the cluster's Droplets), checked
 * like `provision ssh`, then recorded (src/provision/digitalocean/create.ts).
 */
import type { Command } from 'commander';
import { topologyForProvision } from '../support/cluster-topology.ts';
import { digitalOceanToken, sshOptionsFor } from '../../hosts/prompts.ts';
import { createProgress } from '../../output/progress.ts';
import { createDropletHost, newDropletHostName } from '../../provision/digitalocean/create.ts';
import { firewallPorts } from '../../provision/digitalocean/plan.ts';
import { relative } from 'node:path';
import { readHost } from '../../hosts/store.ts';
import { recordedHostNames } from '../support/load.ts';
import type { Terminal } from '../../output/terminal.ts';
import {
  checkClusterIntent,
  clusterNextSteps,
  swarmPortList,
  type ClusterIntent,
} from '../../provision/cluster-intent.ts';
import {
  membersOutsideTag,
  type MembersAdmitted,
} from '../../provision/digitalocean/admit-members.ts';
import { clusterTag } from '../../provision/digitalocean/cluster-firewall.ts';
import type { CommandContext } from '../context.ts';
import { digitalOceanClient } from '../support/digitalocean.ts';

/** The new host's name and droplet (`extraTags`: --tag, if given). */
export interface ProvisionDigitalOceanOptions {
  name: string;
  region: string;
  size: string;
  image: string;
  extraTags: string[];
  /** --cluster: the cluster the host is meant to join (issue 20). */
  cluster: string | undefined;
}

/** Declare `provision digitalocean`'s flags (with their defaults). */
export function configure(command: Command): Command {
  return command
    .option('--region <slug>', 'region', 'fra1')
    .option('--size <slug>', 'droplet size', 's-1vcpu-2gb')
    .option('--image <slug>', 'image', 'debian-12-x64')
    .option('--tag <tag>', 'extra droplet tag')
    .option(
      '--cluster <name>',
      "for a cluster of the topology: tag the droplet for it and admit the swarm ports from the cluster's droplets",
    );
}

/** `provision digitalocean`'s options from what commander parsed. */
export function readOptions(command: Command): ProvisionDigitalOceanOptions {
  const o = command.opts<{
    region: string;
    size: string;
    image: string;
    tag?: string;
    cluster?: string;
  }>();
  const extraTags = o.tag === undefined ? [] : [o.tag];
  const { region, size, image, cluster } = o;
  return { name: command.args[0] ?? '', region, size, image, extraTags, cluster };
}

/** Run `provision digitalocean`. */
export async function run(
  options: ProvisionDigitalOceanOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const name = await newDropletHostName(options.name);
  const topology = await topologyForProvision(global, terminal, options.cluster);
  const intent =
    options.cluster === undefined
      ? undefined
      : checkClusterIntent(topology, options.cluster, name, await recordedHostNames());
  const ports = firewallPorts(topology, name, intent?.cluster);
  const clusterTagged =
    intent && topology ? { clusterTag: clusterTag(topology.project, intent.cluster) } : {};
  const token = await digitalOceanToken();
  const progress = await createProgress(terminal);
  const client = digitalOceanClient(token, progress.sink);
  const spec = { ...options, name, ...ports, ...clusterTagged };
  const created = createDropletHost(spec, client, sshOptionsFor(terminal, true), progress.sink);
  // The spinner stops before the result is printed, and on failure before the error is.
  const { record, cluster } = await created.finally(() => progress.stop());
  if (global.json) terminal.json(record);
  if (intent && cluster) await reportCluster(intent, cluster, topology?.file ?? '', terminal);
  else if (!global.json)
    terminal.info(
      `Host ${name} is ready at ${record.hostname} (recorded). Deploy to it with: notesctl up --host ${name}`,
    );
  return 0;
}

/** The members the firewall will not admit, and what to add to the topology and run next. */
async function reportCluster(
  intent: ClusterIntent,
  found: MembersAdmitted,
  file: string,
  terminal: Terminal,
): Promise<void> {
  const others = await Promise.all(
    intent.others.map(async (h) => ({
      name: h,
      dropletId: (await readHost(h))?.digitalocean?.dropletId,
    })),
  );
  for (const host of membersOutsideTag(others, found.members)) {
    terminal.warn(
      `member ${host} of clusters.${intent.cluster} is not a droplet tagged for the cluster: the swarm ports of ${intent.host} are not open to it, nor its to ${intent.host} — open ${swarmPortList()} between them yourself`,
    );
  }
  const lines = clusterNextSteps(intent, relative(process.cwd(), file) || file);
  terminal.info([`Host ${intent.host} is ready (recorded).`, ...lines].join('\n'));
}
