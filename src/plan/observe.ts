/**
 * Read the engine once: every container, network and volume labelled with the project, in
 * parallel (three round trips at the same time — what matters over SSH).
 */
import type { Engine } from '../engine/engine.ts';
import { projectSelector } from '../model/names.ts';
import type { ObservedState } from './types.ts';

/** Observe a project's resources on one engine. */
export async function observe(engine: Engine, project: string): Promise<ObservedState> {
  const selector = projectSelector(project);
  const [containers, networks, volumes] = await Promise.all([
    engine.listContainers(selector),
    engine.listNetworks(selector),
    engine.listVolumes(selector),
  ]);
  return { containers, networks, volumes };
}
