/**
 * Read the engine once: every container, network and volume labelled with the project, in
 * parallel (three round trips at the same time — what matters over SSH). With web services, also
 * the host's edge proxy, its volumes, and the proxy files this project writes (GET calls only).
 */
import type { Engine } from '../engine/engine.ts';
import { projectSelector } from '../model/names.ts';
import { PROXY_DIR, PROXY_LABEL } from '../proxy/names.ts';
import type { ObservedProxy, ObservedState } from './types.ts';

/** Observe a project's resources on one engine; `proxyFiles`: paths to read in the proxy. */
export async function observe(
  engine: Engine,
  project: string,
  proxyFiles?: string[],
): Promise<ObservedState> {
  const selector = projectSelector(project);
  const [containers, networks, volumes, proxy] = await Promise.all([
    engine.listContainers(selector),
    engine.listNetworks(selector),
    engine.listVolumes(selector),
    proxyFiles && observeProxy(engine, proxyFiles),
  ]);
  return { containers, networks, volumes, ...proxy };
}

async function observeProxy(
  engine: Engine,
  paths: string[],
): Promise<Pick<ObservedState, 'proxy' | 'proxyVolumes'>> {
  const selector = { [PROXY_LABEL]: 'caddy' };
  const [containers, volumes] = await Promise.all([
    engine.listContainers(selector),
    engine.listVolumes(selector),
  ]);
  const proxyVolumes = volumes.map((v) => v.name);
  const container = containers[0];
  if (!container) return { proxyVolumes };
  const files: ObservedProxy['files'] = {};
  await Promise.all(
    paths.map(async (path) => {
      const content = await engine.readFile(container.id, `${PROXY_DIR}/${path}`);
      if (content !== undefined) files[path] = content.toString();
    }),
  );
  return { proxy: { container, files }, proxyVolumes };
}
