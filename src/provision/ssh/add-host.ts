/**
 * `provision ssh`'s work around provision-host.ts (Docker) and provision-plain.ts (systemd, pm2):
 * make an existing server ready for its runtime, then record it — a new record, or the one already
 * there for the same address and runtime, updated.
 */
import { resolve } from 'node:path';
import type { EventSink } from '../../apply/events.ts';
import type { SshConnectOptions } from '../../engine/ssh/connect.ts';
import { describeEndpoint } from '../../engine/ssh/endpoint.ts';
import { UsageError } from '../../errors.ts';
import { listHosts, readHost, writeHost, type HostRecord } from '../../hosts/store.ts';
import type { SshTarget } from '../../hosts/target.ts';
import { DEFAULT_REMOTE_SOCKET, type Runtime } from '../../model/topology.ts';
import { provisionHost } from './provision-host.ts';
import { provisionPlainServer } from './provision-plain.ts';

/** The server to provision, under which name, with which key (undefined: agent or defaults). */
export interface SshHostSpec {
  name: string;
  target: SshTarget;
  identity: string | undefined;
  /** What will run the services placed on it (issue 21). */
  runtime: Runtime;
}

/** What a provisioning run did: the record written, and on a plain server what it installed. */
export interface AddedHost {
  record: HostRecord;
  /** Packages installed on a plain server (empty: it was ready); undefined for Docker. */
  installed: string[] | undefined;
}

/** The runtime a record was provisioned for (records from before `--runtime` are Docker's). */
export function recordedRuntime(record: HostRecord): Runtime {
  return record.runtime ?? 'docker';
}

/**
 * The record already kept for `name` at the same address, if any. Another address is refused, and
 * so is another runtime: what the old one runs there would be left to no one (`down` reads the
 * record's runtime), so the operator takes it down and forgets the host first.
 */
export async function sameHostRecord(
  name: string,
  target: SshTarget,
  runtime: Runtime,
): Promise<HostRecord | undefined> {
  await checkOtherRecords(name, target, runtime);
  const existing = await readHost(name);
  if (!existing) return undefined;
  if (
    existing.hostname !== target.hostname ||
    existing.port !== target.port ||
    existing.user !== target.user
  ) {
    throw new UsageError(`host ${name} is already recorded as ${describeEndpoint(existing)}`, {
      hint: `Pick another name, or forget the old one first: notesctl hosts rm ${name}`,
    });
  }
  const before = recordedRuntime(existing);
  if (before !== runtime) {
    throw new UsageError(
      `host ${name} is recorded with runtime ${before}, not ${runtime} (--runtime ${runtime}): provisioning it again for ${runtime} would leave what ${before} runs there to no one`,
      {
        hint: `Take its projects down first (notesctl down --host ${name}, in each project's folder), then \`notesctl hosts rm ${name}\` and provision it again with --runtime ${runtime}.`,
      },
    );
  }
  return existing;
}

/**
 * A server runs one runtime: the same address recorded under another name for another runtime is
 * refused too (another name for the same runtime is allowed, as it always was).
 */
async function checkOtherRecords(name: string, target: SshTarget, runtime: Runtime): Promise<void> {
  for (const other of await listHosts()) {
    if (other.name === name || other.hostname !== target.hostname || other.port !== target.port)
      continue;
    const theirs = recordedRuntime(other);
    if (theirs === runtime) continue;
    throw new UsageError(
      `${describeEndpoint(other)} is recorded as host ${other.name} with runtime ${theirs}: a server runs one runtime, not ${runtime} beside it`,
      {
        hint: `Deploy to it as ${other.name} (notesctl up --host ${other.name}), or take its projects down and forget it (notesctl hosts rm ${other.name}) before provisioning it for ${runtime}.`,
      },
    );
  }
}

/** Provision the server and write its record (over `existing`, keeping what it knew). */
export async function addSshHost(
  { name, target, runtime, ...spec }: SshHostSpec,
  existing: HostRecord | undefined,
  ssh: SshConnectOptions,
  onEvent: EventSink,
): Promise<AddedHost> {
  const identity = spec.identity === undefined ? undefined : resolve(spec.identity);
  const endpoint = {
    name,
    ...target,
    identity: identity ?? existing?.identity,
    socket: existing?.socket ?? DEFAULT_REMOTE_SOCKET,
  };
  const base = {
    ...(existing ?? {}),
    version: 1 as const,
    name,
    driver: existing?.driver ?? ('ssh' as const),
    ...target,
    ...(endpoint.identity ? { identity: endpoint.identity } : {}),
    socket: endpoint.socket,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    runtime,
  };
  if (runtime === 'docker') {
    const result = await provisionHost({ endpoint, ssh, onEvent });
    const record = { ...base, os: result.os, dockerVersion: result.dockerVersion };
    await writeHost(record);
    return { record, installed: undefined };
  }
  const result = await provisionPlainServer({ endpoint, runtime, ssh, onEvent });
  const record = { ...base, os: result.os };
  await writeHost(record);
  return { record, installed: result.installed };
}
