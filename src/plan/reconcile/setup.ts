/**
 * A new container's set-up between its create and its start: the networks after its first one,
 * and its secrets as files. Each is one engine call after the create.
 */
import type { ContainerSpec } from '../../engine/engine.ts';
import type { DesiredService } from '../types.ts';
import { addOperation, type Created, creationOf, type Reconciliation } from './context.ts';

/**
 * Create a container of `service` from `spec` and set it up; the ids its start must follow. It
 * waits for `after` and its volumes. The engine resolves a container's networks when it starts,
 * not when it is created (a deliberate rule of the Docker API), so a new container and its
 * secrets do not wait for its networks: on a cold `up` they are made while the engine creates the
 * networks. Its start and its `network connect`s wait for them. `instance` names one replica of
 * several (`web#2`).
 */
export function planCreate(
  r: Reconciliation,
  service: DesiredService,
  spec: ContainerSpec,
  created: { networks: Created; volumes: Created },
  how: { after: string[]; cause: string; instance?: string | undefined },
): string[] {
  const { instance } = how;
  const createId = addOperation(r, {
    id: `create:${instance ?? service.name}`,
    operation: {
      kind: 'create-container',
      service: service.name,
      spec,
      ...(instance ? { instance } : {}),
    },
    after: [...how.after, ...spec.mounts.flatMap((m) => creationOf(created.volumes, m.volume))],
    cause: how.cause,
  });
  return [
    createId,
    ...creationOf(created.networks, spec.network?.name),
    ...planExtraNetworks(r, service, createId, created.networks, instance),
    ...planSecretFiles(r, service, createId, instance),
  ];
}

/**
 * Plan a `network connect` for each network after the first; their ids. `instance` names one
 * replica of several (`web#2`), whose container the create step of that replica made.
 */
export function planExtraNetworks(
  r: Reconciliation,
  service: DesiredService,
  createId: string,
  networks: Created,
  instance?: string,
): string[] {
  return service.extraNetworks.map((extra) =>
    addOperation(r, {
      id: `connect:${instance ?? service.name}:${extra.network}`,
      operation: {
        kind: 'connect-network',
        service: service.name,
        network: extra.network,
        aliases: extra.aliases,
        ...(instance ? { instance } : {}),
      },
      after: [createId, ...creationOf(networks, extra.network)],
      cause: 'service is on several networks',
    }),
  );
}

/** Plan the copy of the service's secret files, if it has any; its id. */
export function planSecretFiles(
  r: Reconciliation,
  service: DesiredService,
  createId: string,
  instance?: string,
): string[] {
  if (service.secretFiles.length === 0) return [];
  return [
    addOperation(r, {
      id: `secrets:${instance ?? service.name}`,
      operation: {
        kind: 'copy-secrets',
        service: service.name,
        files: service.secretFiles,
        ...(instance ? { instance } : {}),
      },
      after: [createId],
      cause: 'secrets are delivered as files',
    }),
  ];
}
