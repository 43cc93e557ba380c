/**
 * Opening a host's target: the runtime its topology entry names (`runtime:`, `docker` by
 * default), connected the way the host is reached (the local engine, or one SSH connection).
 */
import { openEngine } from '../engine/open.ts';
import type { Engine } from '../engine/engine.ts';
import { runtimeOf, type Runtime, type Topology } from '../model/topology.ts';
import type { Terminal } from '../output/terminal.ts';
import type { Target } from './target.ts';

/** What reaching a host needs from the command: where to ask questions, what to trust. */
export interface HostAccess {
  /** Asks to trust a new host key or for a key's passphrase, when there is a terminal. */
  terminal: Terminal;
  /** Trust (and record) a remote host key seen for the first time. */
  acceptNewHostKey: boolean;
}

/** What a caller may do while a remote host's connection is being set up. */
export interface OpenHooks {
  /** Started once an SSH handshake is under way (its round trips are mostly waiting). */
  whileConnecting?: () => void;
}

/** How each runtime's target is made from the host's engine connection. */
const OPENERS: Record<
  Runtime,
  (host: string, topology: Topology, engine: Engine) => Promise<Target>
> = {
  docker: async (host, topology, engine) => {
    const { DockerTarget } = await import('./docker/docker-target.ts');
    return new DockerTarget(host, topology, engine);
  },
};

/** Open the target of `host` (closed by the caller with target.close()). */
async function openTarget(
  topology: Topology,
  host: string,
  access: HostAccess,
  hooks: OpenHooks = {},
): Promise<Target> {
  const engine = await openEngine(host, {
    // Loaded for a remote host only: the local engine needs no host store or SSH options.
    remote: async () => {
      const [{ resolveHost }, { sshOptionsFor }] = await Promise.all([
        import('../hosts/resolve.ts'),
        import('../hosts/prompts.ts'),
      ]);
      return {
        endpoint: (await resolveHost(host, topology)).endpoint,
        ssh: sshOptionsFor(access.terminal, access.acceptNewHostKey),
      };
    },
    ...hooks,
  });
  return OPENERS[runtimeOf(topology, host)](host, topology, engine);
}

/** Run `fn` with `host`'s target open; always close it; report a lost link as the cause. */
export async function withTarget<T>(
  topology: Topology,
  host: string,
  access: HostAccess,
  fn: (target: Target) => Promise<T>,
  hooks: OpenHooks = {},
): Promise<T> {
  const target = await openTarget(topology, host, access, hooks);
  try {
    return await fn(target);
  } catch (error) {
    throw await target.explain(error);
  } finally {
    await target.close();
  }
}
