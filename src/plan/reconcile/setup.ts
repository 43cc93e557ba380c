/**
 * A new container's set-up between its create and its start: the networks after its first one,
 * and its secrets as files. Each is one engine call after the create.
 */
import type { DesiredService } from '../types.ts';
import { addOperation, type Created, creationOf, type Reconciliation } from './context.ts';

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
