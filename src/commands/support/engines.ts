/**
 * Opening engines for a command: the local one through its socket, a remote host through SSH
 * (src/commands/support/remote-engine.ts, imported only when needed).
 */
import { connectLocalEngine } from '../../engine/connect.ts';
import type { Engine } from '../../engine/engine.ts';
import { LOCAL_HOST, type Topology } from '../../model/topology.ts';
import type { GlobalOptions } from '../context.ts';

/** What a caller may do while a remote engine's connection is being set up. */
export interface OpenHooks {
  /** Started once an SSH handshake is under way (its round trips are mostly waiting). */
  whileConnecting?: () => void;
}

/** Open the engine of `host` (closed by the caller with engine.close()). */
export async function openEngine(
  topology: Topology | undefined,
  host: string,
  global: GlobalOptions,
  hooks: OpenHooks = {},
): Promise<Engine> {
  if (host === LOCAL_HOST) return connectLocalEngine();
  const { openRemoteEngine } = await import('./remote-engine.ts');
  return openRemoteEngine(topology, host, global, hooks.whileConnecting);
}

/** Run `fn` with an open engine and always close it. */
export async function withEngine<T>(
  topology: Topology | undefined,
  host: string,
  global: GlobalOptions,
  fn: (engine: Engine) => Promise<T>,
  hooks: OpenHooks = {},
): Promise<T> {
  const engine = await openEngine(topology, host, global, hooks);
  try {
    return await fn(engine);
  } catch (error) {
    // Whatever failed downstream ("socket hang up", a failed plan step), the cause the operator
    // can act on is the broken link: say that, naming the host.
    const lost =
      engine.hostName === LOCAL_HOST
        ? undefined
        : (await import('./remote-engine.ts')).lostLinkError(engine);
    if (lost && lost !== error) throw lost;
    throw error;
  } finally {
    await engine.close();
  }
}
