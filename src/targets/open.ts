/**
 * Opening a host's target: the runtime its topology entry names (`runtime:`, `docker` by
 * default), connected the way the host is reached (the local engine, or one SSH connection).
 */
import { openEngine, type RemoteAccess } from '../engine/open.ts';
import { runtimeOf, type PlacementRuntime, type Topology } from '../model/topology.ts';
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

/** Where a remote host is and how to log in (loaded for a remote host only). */
async function remoteAccess(
  topology: Topology,
  host: string,
  access: HostAccess,
): Promise<RemoteAccess> {
  const [{ resolveHost }, { sshOptionsFor }] = await Promise.all([
    import('../hosts/resolve.ts'),
    import('../hosts/prompts.ts'),
  ]);
  return {
    endpoint: (await resolveHost(host, topology)).endpoint,
    ssh: sshOptionsFor(access.terminal, access.acceptNewHostKey),
  };
}

/**
 * A plain server (issue 21): one SSH connection running scripts; never the local machine. Its
 * apps are systemd units, or PM2 apps (the same target with PM2 as their supervisor).
 */
async function openPlainServer(
  runtime: 'systemd' | 'pm2',
  host: string,
  topology: Topology,
  access: HostAccess,
  hooks: OpenHooks,
): Promise<Target> {
  const [{ openShell }, remote] = await Promise.all([
    import('../engine/shell.ts'),
    remoteAccess(topology, host, access),
  ]);
  const shell = await openShell(host, remote, hooks.whileConnecting);
  if (runtime === 'pm2') {
    const { Pm2Target } = await import('./pm2/pm2-target.ts');
    return new Pm2Target(host, topology, shell);
  }
  const { SystemdTarget } = await import('./systemd/systemd-target.ts');
  return new SystemdTarget(host, topology, shell);
}

/** How each runtime's target is opened: through the host's engine, or its shell (systemd). */
const OPENERS: Record<
  PlacementRuntime,
  (host: string, topology: Topology, access: HostAccess, hooks: OpenHooks) => Promise<Target>
> = {
  docker: async (host, topology, access, hooks) => {
    const engine = await openEngine(host, {
      // The local engine needs no host store or SSH options.
      remote: () => remoteAccess(topology, host, access),
      ...hooks,
    });
    const { DockerTarget } = await import('./docker/docker-target.ts');
    return new DockerTarget(host, topology, engine);
  },
  systemd: (host, topology, access, hooks) =>
    openPlainServer('systemd', host, topology, access, hooks),
  pm2: (host, topology, access, hooks) => openPlainServer('pm2', host, topology, access, hooks),
  // A Swarm cluster (issue 20): its managers' engines, one SSH connection per node.
  swarm: async (cluster, topology, access, hooks) => {
    const { openSwarmTarget } = await import('./swarm/swarm-target.ts');
    return openSwarmTarget(
      cluster,
      topology,
      (host) => remoteAccess(topology, host, access),
      hooks,
    );
  },
};

/** Open the target of `host` (closed by the caller with target.close()). */
function openTarget(
  topology: Topology,
  host: string,
  access: HostAccess,
  hooks: OpenHooks = {},
): Promise<Target> {
  return OPENERS[runtimeOf(topology, host)](host, topology, access, hooks);
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
