/**
 * Swarm membership calls (issue 20) in notesctl's own types, each one wrapped Engine API call
 * through `engine.request`: a node's own swarm state, the swarm's join tokens, init, join and
 * leave (the node list and updates are in swarm-nodes.ts). Join tokens are returned to the caller only,
 * kept in memory, and scrubbed from every error a join can raise.
 */
import { EngineError } from '../errors.ts';
import type { Engine } from './engine.ts';

/** Swarm's port for cluster management (raft, joins). */
export const SWARM_PORT = 2377;

/** A node's own view of its swarm membership (`GET /info`). */
export interface LocalSwarmState {
  /** inactive | pending | active | error | locked */
  state: string;
  /** The node's ID in its swarm ('' when inactive). */
  nodeId: string;
  /** The address the node advertises ('' when inactive). */
  nodeAddr: string;
  /** True on a manager that can take control-plane calls. */
  isManager: boolean;
  /** The swarm's ID, reported by managers only. */
  clusterId: string | undefined;
  /** Manager addresses this node knows (`10.0.0.1:2377`). */
  remoteManagers: string[];
  /** Docker's error text when the state is error. */
  error: string;
  engineVersion: string;
}

/** Both join tokens of a swarm; never print, log or store them. */
export interface JoinTokens {
  worker: string;
  manager: string;
}

interface InfoAnswer {
  ServerVersion?: string;
  Swarm?: {
    LocalNodeState?: string;
    NodeID?: string;
    NodeAddr?: string;
    ControlAvailable?: boolean;
    Error?: string;
    RemoteManagers?: { Addr?: string }[] | null;
    Cluster?: { ID?: string } | null;
  };
}

/** The node's own swarm state and engine version. */
export async function readLocalSwarm(engine: Engine): Promise<LocalSwarmState> {
  const info = await engine.request<InfoAnswer>('read the swarm state of', undefined, {
    method: 'GET',
    path: '/info',
  });
  const swarm = info.Swarm ?? {};
  return {
    state: swarm.LocalNodeState ?? 'inactive',
    nodeId: swarm.NodeID ?? '',
    nodeAddr: swarm.NodeAddr ?? '',
    isManager: swarm.ControlAvailable === true,
    clusterId: swarm.Cluster?.ID || undefined,
    remoteManagers: (swarm.RemoteManagers ?? []).map((m) => m.Addr ?? '').filter((a) => a !== ''),
    error: swarm.Error ?? '',
    engineVersion: info.ServerVersion ?? '',
  };
}

/** The swarm's join tokens, from a manager (memory only). */
export async function readJoinTokens(engine: Engine): Promise<JoinTokens> {
  const swarm = await engine.request<{ JoinTokens?: { Worker?: string; Manager?: string } }>(
    'read the join tokens of',
    'the swarm',
    { method: 'GET', path: '/swarm' },
  );
  return { worker: swarm.JoinTokens?.Worker ?? '', manager: swarm.JoinTokens?.Manager ?? '' };
}

/** Start a new swarm with this node as its only manager; resolves with its node ID. */
export function initSwarm(engine: Engine, advertiseAddr: string): Promise<string> {
  return engine.request<string>('start a swarm on', undefined, {
    method: 'POST',
    path: '/swarm/init',
    body: {
      ListenAddr: `0.0.0.0:${SWARM_PORT}`,
      AdvertiseAddr: `${advertiseAddr}:${SWARM_PORT}`,
      Spec: {},
    },
  });
}

/**
 * Join the swarm whose managers are at `remoteAddrs` with `token` (the manager token joins as a
 * manager). Docker's message is kept, the token is not: it is replaced wherever it appears.
 */
export async function joinSwarm(
  engine: Engine,
  join: { advertiseAddr: string; remoteAddrs: string[]; token: string },
): Promise<void> {
  try {
    await engine.request('join the swarm from', undefined, {
      method: 'POST',
      path: '/swarm/join',
      body: {
        ListenAddr: `0.0.0.0:${SWARM_PORT}`,
        AdvertiseAddr: `${join.advertiseAddr}:${SWARM_PORT}`,
        RemoteAddrs: join.remoteAddrs,
        JoinToken: join.token,
      },
    });
  } catch (error) {
    throw scrubbed(error, join.token);
  }
}

/** An error whose message and hint no longer contain `secret`, and with no cause kept. */
function scrubbed(error: unknown, secret: string): Error {
  const hide = (text: string) => (secret === '' ? text : text.replaceAll(secret, '<join token>'));
  if (error instanceof EngineError) {
    // EngineError prefixes "host: operation: " to its message: hand it back only Docker's part.
    const what = error.resource ? `${error.operation} ${error.resource}` : error.operation;
    const prefix = `${error.host}: ${what}: `;
    const message = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    return new EngineError(
      {
        host: error.host,
        operation: error.operation,
        resource: error.resource,
        statusCode: error.statusCode,
      },
      hide(message),
      { hint: error.hint === undefined ? undefined : hide(error.hint) },
    );
  }
  return new Error(hide(error instanceof Error ? error.message : String(error)));
}

/** Leave the swarm; `force` is needed by a manager whose leaving breaks quorum or ends the swarm. */
export async function leaveSwarm(engine: Engine, force: boolean): Promise<void> {
  await engine.request('leave the swarm from', undefined, {
    method: 'POST',
    path: `/swarm/leave?force=${String(force)}`,
    // "This node is not part of a swarm": already where we want it.
    accept: [503],
  });
}
