/**
 * Reaching a cluster's hosts: one SSH connection per host, opened in parallel, each resolved and
 * host-key checked the way every other command does it (the topology's hosts, then the host
 * store; src/engine/open.ts) — and the address each advertises to the swarm.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { openEngine } from '../engine/open.ts';
import type { Engine } from '../engine/engine.ts';
import { sshOptionsFor } from '../hosts/prompts.ts';
import { resolveHost } from '../hosts/resolve.ts';
import type { SshEndpoint, Topology } from '../model/topology.ts';
import type { HostAccess } from '../targets/open.ts';
import { NotesctlError, UsageError } from '../errors.ts';

/** One open member: its engine and where it is. */
export interface MemberLink {
  host: string;
  engine: Engine;
  endpoint: SshEndpoint;
}

/** Open members, by host name; close() closes every connection. */
export interface MemberLinks {
  links: Map<string, MemberLink>;
  close(): Promise<void>;
}

async function openMember(host: string, topology: Topology, access: HostAccess) {
  const { endpoint } = await resolveHost(host, topology);
  const ssh = sshOptionsFor(access.terminal, access.acceptNewHostKey);
  const engine = await openEngine(host, { remote: () => Promise.resolve({ endpoint, ssh }) });
  return { host, engine, endpoint };
}

function closeAll(links: Iterable<MemberLink>): Promise<void> {
  return Promise.all([...links].map((l) => l.engine.close().catch(() => undefined))).then(
    () => undefined,
  );
}

/**
 * Open every host in parallel. With `required`, the first failure (which names its host) is
 * thrown once the others settled, and those that opened are closed; without, hosts that cannot
 * be reached are left out and their errors returned.
 */
export async function openMembers(
  hosts: string[],
  topology: Topology,
  access: HostAccess,
  required: boolean,
): Promise<MemberLinks & { failed: Map<string, unknown> }> {
  const settled = await Promise.allSettled(hosts.map((h) => openMember(h, topology, access)));
  const links = new Map<string, MemberLink>();
  const failed = new Map<string, unknown>();
  settled.forEach((result, i) => {
    const host = hosts[i] ?? '';
    if (result.status === 'fulfilled') links.set(host, result.value);
    else failed.set(host, result.reason);
  });
  const [first] = failed;
  if (required && first !== undefined) {
    await closeAll(links.values());
    const [host, error] = first;
    const why = error instanceof Error ? error.message : String(error);
    throw new NotesctlError(`cluster member ${host} cannot be reached: ${why}`, {
      hint: `${error instanceof NotesctlError && error.hint ? `${error.hint} ` : ''}Check it with \`notesctl hosts status ${host}\`, or take it out of the cluster in the topology.`,
      cause: error,
    });
  }
  return { links, failed, close: () => closeAll(links.values()) };
}

/**
 * The address a host advertises to the swarm: its SSH address, resolved here when it is a name
 * (Swarm takes an IP address). A loopback address would point every other node at itself.
 */
export async function advertiseAddress(endpoint: SshEndpoint): Promise<string> {
  const address =
    isIP(endpoint.hostname) !== 0
      ? endpoint.hostname
      : (await lookup(endpoint.hostname, { family: 4 })).address;
  if (/^127\.|^::1$/.test(address)) {
    throw new UsageError(
      `host ${endpoint.name} is reached at ${address}, a loopback address — the other cluster members could not reach it there`,
      {
        hint: `Give host ${endpoint.name} the address the other members reach it at (hosts.${endpoint.name}.hostname).`,
      },
    );
  }
  return address;
}
