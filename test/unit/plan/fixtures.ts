/**
 * Shared inputs for planning tests: the real Notes topology (notesctl.config.yaml) resolved with
 * fixed image IDs and secret digests, and helpers that turn a desired state into what an engine
 * would report once it has converged.
 */
import { loadTopology } from '../../../src/config/index.ts';
import type { ContainerSummary } from '../../../src/engine/engine.ts';
import type { Topology } from '../../../src/model/topology.ts';
import { desiredState, type ResolvedImage } from '../../../src/plan/desired.ts';
import type { DesiredState, ObservedState } from '../../../src/plan/types.ts';

/** The repository's topology, loaded through the real config layer. */
export async function notesTopology(env: Record<string, string> = {}): Promise<Topology> {
  return loadTopology('notesctl.config.yaml', { env: { HOME: '/home/test', ...env } });
}

/** Fixed image resolution: sha256:<service> ids, the apps' healthcheck from their Dockerfiles. */
export function fixedImages(
  topology: Topology,
  overrides: Record<string, string> = {},
): Map<string, ResolvedImage> {
  return new Map(
    Object.values(topology.services).map((s) => [
      s.name,
      {
        ref:
          s.image.kind === 'image'
            ? s.image.ref
            : `notesctl-${topology.project}/${s.name}:0123456789ab`,
        id: overrides[s.name] ?? `sha256:${s.name}`,
        healthTest: undefined,
      },
    ]),
  );
}

/** Desired state of every service with fixed inputs. */
export function desiredFor(
  topology: Topology,
  imageOverrides: Record<string, string> = {},
): DesiredState {
  return desiredState({
    topology,
    host: 'local',
    services: Object.keys(topology.services).sort(),
    images: fixedImages(topology, imageOverrides),
    secretDigests: new Map(Object.keys(topology.services).map((s) => [s, `digest-${s}`])),
  });
}

/** What the engine reports after `desired` was applied: everything running. */
export function convergedState(desired: DesiredState, state = 'running'): ObservedState {
  return {
    containers: desired.services.map((s): ContainerSummary => ({
      id: `id-${s.name}`,
      name: s.spec.name,
      image: s.spec.image,
      imageId: 'sha256:x',
      labels: s.spec.labels,
      state,
      status: 'Up 1 minute',
      health: 'healthy',
      exitCode: state === 'exited' ? 1 : undefined,
      createdAt: new Date(0),
      ports: [],
      networks: [
        ...(s.spec.network ? [s.spec.network.name] : []),
        ...s.extraNetworks.map((n) => n.network),
      ],
    })),
    networks: desired.networks.map((n) => ({
      id: `net-${n.key}`,
      name: n.name,
      internal: n.internal,
      labels: n.labels,
      containers: [],
    })),
    volumes: desired.volumes.map((v) => ({ name: v.name, labels: v.labels })),
  };
}

/** The empty engine. */
export const EMPTY: ObservedState = { containers: [], networks: [], volumes: [] };
