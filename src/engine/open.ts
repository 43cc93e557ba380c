/**
 * Opening a host's engine: the local one through its socket, a remote one through ONE SSH
 * connection whose channels carry every Docker API request (issue 6) — or, with
 * NOTESCTL_SSH_PERSIST=SECONDS, a persistent connection kept by a background process. The SSH
 * side (src/engine/ssh/open-remote.ts) is imported only for a remote host, so local commands do
 * not pay for ssh2 at start-up.
 */
import { connectLocalEngine } from './connect.ts';
import type { Engine } from './engine.ts';
import type { SshConnectOptions } from './ssh/connect.ts';
import { LOCAL_HOST, type SshEndpoint } from '../model/topology.ts';

/** How to reach a remote host; asked only when the host is remote. */
export interface RemoteAccess {
  endpoint: SshEndpoint;
  ssh: SshConnectOptions;
}

/** What opening an engine needs besides the host's name. */
export interface OpenEngineOptions {
  /** Where a remote host is and how to log in (resolved lazily: local hosts need neither). */
  remote: () => Promise<RemoteAccess>;
  /** Started once an SSH handshake is under way (its round trips are mostly waiting). */
  whileConnecting?: () => void;
}

/** Open the engine of `host` (closed by the caller with engine.close()). */
export async function openEngine(host: string, options: OpenEngineOptions): Promise<Engine> {
  if (host === LOCAL_HOST) return connectLocalEngine();
  const [{ openRemoteEngine }, access] = await Promise.all([
    import('./ssh/open-remote.ts'),
    options.remote(),
  ]);
  return openRemoteEngine(host, access, options.whileConnecting);
}

/**
 * The error to report for `error`, which happened while using `engine`: whatever failed
 * downstream ("socket hang up", a failed plan step), the cause the operator can act on is a
 * broken SSH link, naming the host.
 */
export async function explainFailure(engine: Engine, error: unknown): Promise<unknown> {
  if (engine.hostName === LOCAL_HOST) return error;
  const { lostLinkError } = await import('./ssh/open-remote.ts');
  return lostLinkError(engine) ?? error;
}

/** Ask a remote host's engine for its version over a connection of its own (`hosts ls --probe`). */
export async function probeEngineVersion(
  host: string,
  access: RemoteAccess,
): Promise<{ version: string }> {
  const { remoteEngineVersion } = await import('./ssh/open-remote.ts');
  return remoteEngineVersion(host, access);
}
