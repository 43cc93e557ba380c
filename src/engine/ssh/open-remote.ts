/**
 * A remote host's engine over SSH: one connection per command, or a persistent one kept by a
 * background process when NOTESCTL_SSH_PERSIST=SECONDS is set (persist.ts).
 */
import { DockerEngine } from '../docker-engine.ts';
import type { Engine } from '../engine.ts';
import type { RemoteAccess } from '../open.ts';
import type { SshLink } from './connect.ts';
import { muxAnswers, muxSocketPath, persistMs, startMux } from './persist.ts';
import { openSshTransport } from './transport.ts';

/** The SSH link behind each open remote engine, to explain failures caused by a lost link. */
const links = new WeakMap<Engine, SshLink>();

/** Open `host`'s engine over SSH (closed by the caller with engine.close()). */
export async function openRemoteEngine(
  host: string,
  { endpoint, ssh }: RemoteAccess,
  whileConnecting?: () => void,
): Promise<Engine> {
  const persist = persistMs(process.env);
  const mux = muxSocketPath(endpoint, process.env);
  if (persist !== undefined && (await muxAnswers(mux))) {
    return new DockerEngine(host, { kind: 'socket', socketPath: mux });
  }
  const { transport, link } = await openSshTransport(endpoint, {
    ...ssh,
    ...(whileConnecting ? { onConnecting: whileConnecting } : {}),
  });
  const engine = new DockerEngine(host, transport);
  links.set(engine, link);
  // The host key is verified and recorded now: a background connection can follow without asking.
  if (persist !== undefined) {
    await startMux({
      endpoint,
      socketPath: mux,
      idleMs: persist,
      knownHosts: ssh.hostKeys.files,
      sshAuthSock: process.env.SSH_AUTH_SOCK,
      home: process.env.HOME,
    });
  }
  return engine;
}

/** `host`'s engine version over a one-off connection: never a persistent one, never a prompt. */
export async function remoteEngineVersion(
  host: string,
  { endpoint, ssh }: RemoteAccess,
): Promise<{ version: string }> {
  const { transport } = await openSshTransport(endpoint, ssh);
  const engine = new DockerEngine(host, transport);
  try {
    return await engine.version();
  } finally {
    await engine.close();
  }
}

/** The error to report when `engine`'s SSH link broke (the cause the operator can act on). */
export function lostLinkError(engine: Engine): Error | undefined {
  return links.get(engine)?.lost();
}
