/**
 * Opening engines for a command: the local one through its socket, a remote host through ONE SSH
 * connection whose channels carry every Docker API request of the command (issue 6) — or, with
 * NOTESCTL_SSH_PERSIST=SECONDS, through a persistent connection kept by a background process.
 */
import { connectLocalEngine } from '../../engine/connect.ts';
import { DockerEngine } from '../../engine/docker-engine.ts';
import type { Engine } from '../../engine/engine.ts';
import type { SshLink } from '../../engine/ssh/connect.ts';
import { muxAnswers, muxSocketPath, persistMs, startMux } from '../../engine/ssh/persist.ts';
import { openSshTransport } from '../../engine/ssh/transport.ts';
import { sshOptionsFor } from '../../hosts/prompts.ts';
import { resolveHost } from '../../hosts/resolve.ts';
import { LOCAL_HOST, type Topology } from '../../model/topology.ts';
import { Terminal } from '../../output/terminal.ts';
import type { GlobalOptions } from '../../cli.ts';

/** The SSH link behind each open remote engine, to explain failures caused by a lost link. */
const links = new WeakMap<Engine, SshLink>();

/** Open the engine of `host` (closed by the caller with engine.close()). */
export async function openEngine(
  topology: Topology | undefined,
  host: string,
  global: GlobalOptions,
): Promise<Engine> {
  if (host === LOCAL_HOST) return connectLocalEngine();
  const { endpoint } = await resolveHost(host, topology);
  const persist = persistMs(process.env);
  const mux = muxSocketPath(endpoint, process.env);
  if (persist !== undefined && (await muxAnswers(mux))) {
    return new DockerEngine(host, { kind: 'socket', socketPath: mux });
  }
  const terminal = new Terminal(global);
  const ssh = sshOptionsFor(terminal, global.acceptNewHostKey);
  const { transport, link } = await openSshTransport(endpoint, ssh);
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

/** Run `fn` with an open engine and always close it. */
export async function withEngine<T>(
  topology: Topology | undefined,
  host: string,
  global: GlobalOptions,
  fn: (engine: Engine) => Promise<T>,
): Promise<T> {
  const engine = await openEngine(topology, host, global);
  try {
    return await fn(engine);
  } catch (error) {
    // Whatever failed downstream ("socket hang up", a failed plan step), the cause the operator
    // can act on is the broken link: say that, naming the host.
    const lost = links.get(engine)?.lost();
    if (lost && lost !== error) throw lost;
    throw error;
  } finally {
    await engine.close();
  }
}
