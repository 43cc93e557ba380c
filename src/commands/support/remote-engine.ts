/**
 * Remote engines: ONE SSH connection per command whose channels carry every Docker API request
 * (issue 6) — or, with NOTESCTL_SSH_PERSIST=SECONDS, a persistent connection kept by a
 * background process. Loaded only when a command targets a remote host, so local commands do not
 * pay for ssh2 at start-up.
 */
import { DockerEngine } from '../../engine/docker-engine.ts';
import type { Engine } from '../../engine/engine.ts';
import type { SshLink } from '../../engine/ssh/connect.ts';
import { muxAnswers, muxSocketPath, persistMs, startMux } from '../../engine/ssh/persist.ts';
import { openSshTransport } from '../../engine/ssh/transport.ts';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import type { Topology } from '../../model/topology.ts';
import { Terminal } from '../../output/terminal.ts';
import type { GlobalOptions } from '../context.ts';

/** The SSH link behind each open remote engine, to explain failures caused by a lost link. */
const links = new WeakMap<Engine, SshLink>();

/** Open a remote host's engine over SSH (closed by the caller with engine.close()). */
export async function openRemoteEngine(
  topology: Topology | undefined,
  host: string,
  global: GlobalOptions,
  whileConnecting?: () => void,
): Promise<Engine> {
  const { endpoint } = await resolveHost(host, topology);
  const persist = persistMs(process.env);
  const mux = muxSocketPath(endpoint, process.env);
  if (persist !== undefined && (await muxAnswers(mux))) {
    return new DockerEngine(host, { kind: 'socket', socketPath: mux });
  }
  const terminal = new Terminal(global);
  const ssh = sshOptionsFor(terminal, global.acceptNewHostKey);
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

/** The error to report when `engine`'s SSH link broke (the cause the operator can act on). */
export function lostLinkError(engine: Engine): Error | undefined {
  return links.get(engine)?.lost();
}
