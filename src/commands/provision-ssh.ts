/**
 * `notesctl provision ssh NAME user@host[:port] [--identity F] [--accept-new-host-key]`: make an
 * existing Debian/Ubuntu server a Docker host (docker-machine's generic driver) and record it.
 */
import { DEFAULT_REMOTE_SOCKET } from '../model/topology.ts';
import { resolve } from 'node:path';
import type { CommandRunner } from '../cli.ts';
import { UsageError } from '../errors.ts';
import { sshOptionsFor } from '../hosts/prompts.ts';
import { checkNewHostName, readHost, writeHost } from '../hosts/store.ts';
import { parseTarget } from '../hosts/target.ts';
import { createProgress } from '../output/progress.ts';
import { provisionHost } from '../provision/ssh/provision-host.ts';
import { describeEndpoint } from '../engine/ssh/endpoint.ts';

/** Run `provision ssh`. */
export const run: CommandRunner = async ({ global, args, options, terminal }) => {
  const name = checkNewHostName(args[0]);
  const target = parseTarget(args[1] ?? '', 'provision ssh TARGET');
  const identity = typeof options.identity === 'string' ? resolve(options.identity) : undefined;
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
  const endpoint = {
    name,
    ...target,
    identity: identity ?? existing?.identity,
    socket: existing?.socket ?? DEFAULT_REMOTE_SOCKET,
  };
  const progress = await createProgress(terminal);
  try {
    const result = await provisionHost({
      endpoint,
      ssh: sshOptionsFor(terminal, global.acceptNewHostKey || options.acceptNewHostKey === true),
      onEvent: progress.sink,
    });
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
    progress.stop();
    if (global.json) terminal.json(record);
    else
      terminal.info(
        `Host ${name} is ready (${existing ? 'record updated' : 'recorded'}). Deploy to it with: notesctl up --host ${name}`,
      );
    return 0;
  } finally {
    progress.stop();
  }
};
