/**
 * `provision ssh`'s work around provision-host.ts: make an existing server a Docker host, then
 * record it — a new record, or the one already there for the same address, updated.
 */
import { resolve } from 'node:path';
import type { EventSink } from '../../apply/events.ts';
import type { SshConnectOptions } from '../../engine/ssh/connect.ts';
import { describeEndpoint } from '../../engine/ssh/endpoint.ts';
import { UsageError } from '../../errors.ts';
import { readHost, writeHost, type HostRecord } from '../../hosts/store.ts';
import type { SshTarget } from '../../hosts/target.ts';
import { DEFAULT_REMOTE_SOCKET } from '../../model/topology.ts';
import { provisionHost } from './provision-host.ts';

/** The server to provision, under which name, with which key (undefined: agent or defaults). */
export interface SshHostSpec {
  name: string;
  target: SshTarget;
  identity: string | undefined;
}

/** The record already kept for `name` at the same address, if any; another address is refused. */
export async function sameHostRecord(
  name: string,
  target: SshTarget,
): Promise<HostRecord | undefined> {
  const existing = await readHost(name);
  if (
    existing &&
    (existing.hostname !== target.hostname ||
      existing.port !== target.port ||
      existing.user !== target.user)
  ) {
    throw new UsageError(`host ${name} is already recorded as ${describeEndpoint(existing)}`, {
      hint: `Pick another name, or forget the old one first: notesctl hosts rm ${name}`,
    });
  }
  return existing;
}

/** Provision the server and write its record (over `existing`, keeping what it knew). */
export async function addSshHost(
  { name, target, ...spec }: SshHostSpec,
  existing: HostRecord | undefined,
  ssh: SshConnectOptions,
  onEvent: EventSink,
): Promise<HostRecord> {
  const identity = spec.identity === undefined ? undefined : resolve(spec.identity);
  const endpoint = {
    name,
    ...target,
    identity: identity ?? existing?.identity,
    socket: existing?.socket ?? DEFAULT_REMOTE_SOCKET,
  };
  const result = await provisionHost({ endpoint, ssh, onEvent });
  const record = {
    ...(existing ?? {}),
    version: 1 as const,
    name,
    driver: existing?.driver ?? ('ssh' as const),
    ...target,
    ...(endpoint.identity ? { identity: endpoint.identity } : {}),
    socket: endpoint.socket,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    os: result.os,
    dockerVersion: result.dockerVersion,
  };
  await writeHost(record);
  return record;
}
