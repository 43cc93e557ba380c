/**
 * What a cluster holds for a project, read once per command through a manager (issue 20): its
 * services, overlay networks, secrets and configs, all found by the project label.
 */
import type { Engine } from '../../engine/engine.ts';
import {
  listObjects,
  listOverlays,
  listServices,
  type SwarmObject,
  type SwarmService,
} from '../../engine/swarm-services.ts';
import { projectSelector } from '../../model/names.ts';

/** An overlay network as found. */
export interface ObservedOverlay {
  id: string;
  name: string;
  internal: boolean;
  encrypted: boolean;
  labels: Record<string, string>;
}

/** The project's resources on the cluster. */
export interface ObservedSwarm {
  services: SwarmService[];
  networks: ObservedOverlay[];
  secrets: SwarmObject[];
  configs: SwarmObject[];
}

/** Read the project's services, networks, secrets and configs (four calls, in parallel). */
export async function observeSwarm(manager: Engine, project: string): Promise<ObservedSwarm> {
  const labels = projectSelector(project);
  const [services, networks, secrets, configs] = await Promise.all([
    listServices(manager, labels),
    listOverlays(manager, labels),
    listObjects(manager, 'secrets', labels),
    listObjects(manager, 'configs', labels),
  ]);
  return { services, networks, secrets, configs };
}
