/**
 * The edge proxy in integration tests (issue 19). There is one per engine, named
 * notesctl-edge-proxy and shared by every project there, so a test file that deploys `http:`
 * services holds the `edge-proxy` lock for all its tests (vitest runs files in parallel: two files
 * with different proxy ports would recreate each other's proxy) and removes the proxy and its
 * volumes (label io.notesctl.proxy) when it is done.
 */
import { docker } from '../bed/docker-cli.ts';
import { withLock } from '../bed/lock.ts';
import { PROXY_CONTAINER, PROXY_LABEL } from '../../src/proxy/names.ts';

/** Wait for the engine's edge proxy to be ours; the returned function lets it go. */
export async function holdEdgeProxy(timeoutMs = 900_000): Promise<() => Promise<void>> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let taken: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (taken = resolve));
  const lock = withLock(
    'edge-proxy',
    async () => {
      taken();
      await released;
    },
    timeoutMs,
  );
  await Promise.race([held, lock]);
  return async () => {
    release();
    await lock;
  };
}

/** Remove the proxy container and its volumes, whoever made them. */
export async function removeEdgeProxy(): Promise<void> {
  const label = `label=${PROXY_LABEL}`;
  const containers = await docker(['ps', '-aq', '--filter', label]);
  const ids = containers.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids]);
  const volumes = await docker(['volume', 'ls', '-q', '--filter', label]);
  const names = volumes.stdout.split('\n').filter(Boolean);
  if (names.length > 0) await docker(['volume', 'rm', '-f', ...names]);
}

/** The proxy container as `docker inspect` shows it, or undefined when there is none. */
export async function inspectEdgeProxy(): Promise<ProxyInspect | undefined> {
  const found = await docker(['inspect', PROXY_CONTAINER], { reject: false });
  if (found.exitCode !== 0) return undefined;
  return (JSON.parse(found.stdout) as ProxyInspect[])[0];
}

/** The parts of the proxy's inspect output tests look at. */
export interface ProxyInspect {
  Id: string;
  RestartCount: number;
  State: { Running: boolean; Pid: number; Status: string };
  Config: { Labels: Record<string, string> };
  HostConfig: { PortBindings: Record<string, { HostPort: string }[] | null> };
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}
