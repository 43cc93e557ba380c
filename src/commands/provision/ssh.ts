/**
 * `notesctl provision ssh NAME user@host[:port] [--identity F] [--accept-new-host-key]
 * [--runtime docker|systemd|pm2] [--cluster C]`: make an existing Debian/Ubuntu server a Docker
 * host (docker-machine's generic driver) or, with --runtime systemd|pm2, a plain server (issue
 * 21), and record it with its runtime (src/provision/ssh/add-host.ts does the work). With
 * --cluster it also says which ports to open between the members: notesctl cannot know a
 * server's firewall (nft, ufw, a provider's), so it opens none rather than guess.
 */
import type { Command } from 'commander';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { checkNewHostName, readHost } from '../../hosts/store.ts';
import type { Terminal } from '../../output/terminal.ts';
import { parseTarget } from '../../hosts/target.ts';
import { createProgress } from '../../output/progress.ts';
import { addSshHost, sameHostRecord, type AddedHost } from '../../provision/ssh/add-host.ts';
import { UsageError } from '../../errors.ts';
import { RUNTIMES, type Runtime } from '../../model/topology.ts';
import { didYouMean } from '../../config/suggest.ts';
import type { HostRecord } from '../../hosts/store.ts';
import type { CommandContext } from '../context.ts';
import { relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { topologyForProvision } from '../support/cluster-topology.ts';
import { recordedHostNames } from '../support/load.ts';
import {
  checkClusterIntent,
  clusterNextSteps,
  swarmPortsToOpen,
  type ClusterIntent,
} from '../../provision/cluster-intent.ts';

/** The server, its name, and how to log in. */
export interface ProvisionSshOptions {
  name: string;
  /** `user@host[:port]`, as given. */
  target: string;
  identity: string | undefined;
  acceptNewHostKey: boolean;
  /** --cluster: the cluster the host is meant to join (issue 20). */
  cluster: string | undefined;
  /** --runtime: what will run the services placed on the host (issue 21); as given. */
  runtime: string | undefined;
}

/** Declare `provision ssh`'s flags. */
export function configure(command: Command): Command {
  return command
    .option('-i, --identity <file>', 'SSH private key')
    .option('--accept-new-host-key', 'trust the host key on first contact')
    .option(
      '--runtime <runtime>',
      'what runs the services: docker (default; installs Docker), or systemd or pm2 (a plain server, no Docker)',
    )
    .option(
      '--cluster <name>',
      'for a cluster of the topology: print the ports to open and the next steps',
    );
}

/** `provision ssh`'s options from what commander parsed. */
export function readOptions(command: Command): ProvisionSshOptions {
  const [name = '', target = ''] = command.args;
  const o = command.opts<Partial<ProvisionSshOptions>>();
  const { identity, cluster, runtime } = o;
  return {
    name,
    target,
    identity,
    acceptNewHostKey: o.acceptNewHostKey === true,
    cluster,
    runtime,
  };
}

/** --runtime checked: docker when absent; a Swarm cluster's members run Docker. */
function checkRuntime(options: ProvisionSshOptions): Runtime {
  const given = options.runtime ?? 'docker';
  const runtime = RUNTIMES.find((r) => r === given);
  if (runtime === undefined) {
    throw new UsageError(
      `--runtime: expected ${RUNTIMES.join(', ')}, got "${given}"${didYouMean(given, [...RUNTIMES])}`,
    );
  }
  if (runtime !== 'docker' && options.cluster !== undefined) {
    throw new UsageError(
      `--runtime ${runtime} with --cluster ${options.cluster}: cluster members run Docker`,
      { hint: 'Leave out --runtime for a cluster member, or --cluster for a plain server.' },
    );
  }
  return runtime;
}

/** Run `provision ssh`. */
export async function run(
  options: ProvisionSshOptions,
  { global, terminal }: CommandContext,
): Promise<number> {
  const name = checkNewHostName(options.name);
  const target = parseTarget(options.target, 'provision ssh TARGET');
  const runtime = checkRuntime(options);
  const intent =
    options.cluster === undefined
      ? undefined
      : checkClusterIntent(
          await topologyForProvision(global, terminal, options.cluster),
          options.cluster,
          name,
          await recordedHostNames(),
        );
  const existing = await sameHostRecord(name, target, runtime);
  const progress = await createProgress(terminal);
  try {
    const ssh = sshOptionsFor(terminal, global.acceptNewHostKey || options.acceptNewHostKey);
    const spec = { name, target, identity: options.identity, runtime };
    const added = await addSshHost(spec, existing, ssh, progress.sink);
    const { record } = added;
    progress.stop();
    const ready = readyLine(added, existing);
    if (global.json) terminal.json(record);
    if (intent) {
      await warnDropletMembers(intent, record.hostname, terminal);
      const file = relative(process.cwd(), global.file) || global.file;
      terminal.info(
        [ready, ...swarmPortsToOpen(intent), ...clusterNextSteps(intent, file)].join('\n'),
      );
    } else if (!global.json)
      terminal.info(`${ready} Deploy to it with: notesctl up --host ${name}`);
    return 0;
  } finally {
    progress.stop();
  }
}

/** `Host NAME is ready …`: for a plain server, its runtime and whether anything changed. */
function readyLine({ record, installed }: AddedHost, existing: HostRecord | undefined): string {
  const kept = isDeepStrictEqual(existing, record);
  const recorded = existing ? (kept ? 'record unchanged' : 'record updated') : 'recorded';
  if (installed === undefined) return `Host ${record.name} is ready (${recorded}).`;
  const server =
    installed.length > 0 ? `installed ${installed.join(', ')}` : 'nothing changed on the server';
  return `Host ${record.name} is ready for runtime ${record.runtime ?? 'docker'} (${server}; ${recorded}).`;
}

/**
 * Members that are DigitalOcean droplets admit the swarm ports only from droplets tagged for the
 * cluster (src/provision/digitalocean/cluster-firewall.ts): this server is not one, so say so.
 */
async function warnDropletMembers(
  intent: ClusterIntent,
  address: string,
  terminal: Terminal,
): Promise<void> {
  for (const other of intent.others) {
    if ((await readHost(other))?.driver !== 'digitalocean') continue;
    terminal.warn(
      `member ${other} is a DigitalOcean droplet: its Cloud Firewall admits the swarm ports only from the droplets tagged for ${intent.cluster}, not from ${intent.host} — add rules for ${address} to it (control panel, or doctl compute firewall add-rules); ESP cannot be admitted there`,
    );
  }
}
