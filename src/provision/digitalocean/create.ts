/**
 * Creating a DigitalOcean host (issue 6): own ed25519 key → registered key → Droplet with
 * cloud-init → Cloud Firewall → wait until active → the `provision ssh` checks → record. Every
 * resource is remembered as soon as it exists, so a failure half-way deletes exactly what this
 * run created (a key that was already registered is left alone), or, if even that fails, leaves
 * a record naming what is left so `notesctl hosts rm` can finish.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventSink } from '../../apply/events.ts';
import type { SshConnectOptions } from '../../engine/ssh/connect.ts';
import { writeNewKeyPair } from '../../engine/ssh/keygen.ts';
import { RuntimeError, UsageError } from '../../errors.ts';
import { checkNewHostName, readHost, writeHost, type HostRecord } from '../../hosts/store.ts';
import { DEFAULT_REMOTE_SOCKET } from '../../model/topology.ts';
import { stateDir } from '../../state-dir.ts';
import { reportStep } from '../report-step.ts';
import { provisionHost } from '../ssh/provision-host.ts';
import type { DigitalOceanClient } from './client.ts';
import { readCloudInitTemplate } from './cloud-init.ts';
import { ESP_NOTE } from './cluster-firewall.ts';
import { admitClusterMembers, type MembersAdmitted } from './admit-members.ts';
import { deleteDigitalOceanResources } from './destroy.ts';
import { planDroplet, planFirewall, type PublishedPort } from './plan.ts';

/** What to create. */
export interface DropletHostSpec {
  name: string;
  region: string;
  size: string;
  image: string;
  extraTags: string[];
  /** Ports the firewall admits besides SSH, and why (said in the output). */
  ports: PublishedPort[];
  portsReason: string;
  /** With `--cluster`: the cluster's tag (./cluster-firewall.ts), put on the Droplet. */
  clusterTag?: string | undefined;
}

/** The new host's record and, in a cluster, what the check of the other members found. */
export interface CreatedDropletHost {
  record: HostRecord;
  cluster?: MembersAdmitted;
}

/** The name for a new droplet host: a valid host name that is not recorded yet. */
export async function newDropletHostName(name: string): Promise<string> {
  const checked = checkNewHostName(name);
  if (await readHost(checked)) {
    throw new UsageError(`host ${checked} is already recorded`, {
      hint: `Use it (notesctl up --host ${checked}), or remove it first (notesctl hosts rm ${checked}).`,
    });
  }
  return checked;
}

/** Create, provision and record the host; returns its record. */
export async function createDropletHost(
  spec: DropletHostSpec,
  client: DigitalOceanClient,
  ssh: SshConnectOptions,
  onEvent: EventSink,
): Promise<CreatedDropletHost> {
  const { name, region, size, image, clusterTag } = spec;
  const keyPath = join(stateDir(ssh.env), 'keys', `${name}_ed25519`);
  const made: { keyId?: number; dropletId?: number; firewallId?: string } = {};
  try {
    const publicKey = await reportStep(
      onEvent,
      'keygen',
      `generate an SSH key for ${name}`,
      () => writeNewKeyPair(keyPath, `notesctl-${name}`),
      () => `generated an ed25519 key (${keyPath})`,
    );
    const key = await reportStep(
      onEvent,
      'key',
      'register the SSH key on DigitalOcean',
      () => client.createKey(`notesctl-${name}`, publicKey),
      (k) => `${k.created ? 'registered' : 'found already registered:'} SSH key ${k.key.id}`,
    );
    if (key.created) made.keyId = key.key.id;
    const request = planDroplet({
      hostName: name,
      region,
      size,
      image,
      sshKeyId: key.key.id,
      cloudInitTemplate: await readCloudInitTemplate(),
    });
    request.tags.push(...spec.extraTags, ...(clusterTag === undefined ? [] : [clusterTag]));
    const { droplet } = await reportStep(
      onEvent,
      'droplet',
      `create droplet ${request.name} (${region}, ${size}, ${image})`,
      () => client.createDroplet(request),
      (d) => `created droplet ${d.droplet.id}`,
    );
    made.dropletId = droplet.id;
    onEvent({ type: 'note', text: `firewall: ${spec.portsReason}` });
    if (clusterTag !== undefined) onEvent({ type: 'note', text: `firewall: ${ESP_NOTE}` });
    const swarm = clusterTag === undefined ? '' : `, the swarm ports from tag ${clusterTag}`;
    const ports = spec.ports.map((p) => `, ${p.port}/${p.protocol}`).join('') + swarm;
    const firewall = await reportStep(
      onEvent,
      'firewall',
      `create a firewall admitting only SSH${ports}`,
      () =>
        client.createFirewall(
          planFirewall({ hostName: name, ports: spec.ports, dropletIds: [droplet.id], clusterTag }),
        ),
      (f) => `created firewall ${f.id} (SSH${ports})`,
    );
    made.firewallId = firewall.id;
    const cluster =
      clusterTag === undefined
        ? undefined
        : await admitClusterMembers(client, clusterTag, droplet.id, onEvent);
    const address = await reportStep(
      onEvent,
      'boot',
      `wait for droplet ${droplet.id} to become active`,
      () => client.waitForDropletActive(droplet.id),
      (ip) => `droplet ${droplet.id} is active at ${ip}`,
    );
    onEvent({
      type: 'note',
      text: 'the droplet was created just now: accepting its host key on first contact and recording it',
    });
    const endpoint = {
      name,
      user: 'root',
      hostname: address,
      port: 22,
      identity: keyPath,
      socket: DEFAULT_REMOTE_SOCKET,
    };
    const found = await provisionHost({
      endpoint,
      ssh: { ...ssh, hostKeys: { ...ssh.hostKeys, acceptNew: true } },
      onEvent,
      waitForSshMs: 300_000,
    });
    const record: HostRecord = {
      version: 1,
      name,
      driver: 'digitalocean',
      user: 'root',
      hostname: address,
      port: 22,
      identity: keyPath,
      socket: DEFAULT_REMOTE_SOCKET,
      createdAt: new Date().toISOString(),
      os: found.os,
      dockerVersion: found.dockerVersion,
      digitalocean: {
        dropletId: droplet.id,
        firewallId: firewall.id,
        keyId: key.key.id,
        keyFingerprint: key.key.fingerprint,
        region,
        size,
        image,
        keyPath,
      },
    };
    // The key is deleted with the host only if this run registered it.
    if (!key.created) delete record.digitalocean?.keyId;
    await writeHost(record, ssh.env);
    return cluster === undefined ? { record } : { record, cluster };
  } catch (error) {
    await undo(name, made, { region, size, image, keyPath }, client, onEvent, ssh.env);
    throw error;
  }
}

async function undo(
  name: string,
  made: { keyId?: number; dropletId?: number; firewallId?: string },
  details: { region: string; size: string; image: string; keyPath: string },
  client: DigitalOceanClient,
  onEvent: EventSink,
  env: NodeJS.ProcessEnv | undefined,
): Promise<void> {
  onEvent({ type: 'note', text: 'provisioning failed: deleting what this run created' });
  try {
    if (made.dropletId !== undefined) {
      await deleteDigitalOceanResources(
        name,
        { ...details, ...made, dropletId: made.dropletId },
        client,
        onEvent,
      );
    } else if (made.keyId !== undefined) {
      await client.deleteKey(made.keyId);
    }
    await rm(details.keyPath, { force: true });
    await rm(`${details.keyPath}.pub`, { force: true });
  } catch (error) {
    const left = `droplet ${made.dropletId ?? '-'}, firewall ${made.firewallId ?? '-'}, SSH key ${made.keyId ?? '-'}`;
    if (made.dropletId !== undefined) {
      // A record lets `hosts rm` finish the job later.
      await writeHost(
        {
          version: 1,
          name,
          driver: 'digitalocean',
          user: 'root',
          hostname: 'unknown',
          port: 22,
          identity: details.keyPath,
          socket: DEFAULT_REMOTE_SOCKET,
          createdAt: new Date().toISOString(),
          digitalocean: { ...details, ...made, dropletId: made.dropletId },
        },
        env,
      );
    }
    throw new RuntimeError(
      `provisioning ${name} failed, and so did deleting what it created; left on DigitalOcean: ${left}`,
      {
        hint: `Run \`notesctl hosts rm ${name} -y\` to retry the deletion, or delete them in the control panel.`,
        cause: error,
      },
    );
  }
}
