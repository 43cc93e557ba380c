/**
 * Taking a project off a cluster (issue 20), planned purely from what was observed: every
 * service removed, then (once their tasks are gone) the project's secrets, configs and overlay
 * networks; with `volumes`, the named volumes on each node that holds one.
 */
import { LABEL } from '../../model/names.ts';
import type { SwarmCall } from '../../plan/swarm-call.ts';
import type { Plan, PlannedOperation } from '../../plan/types.ts';
import type { ObservedSwarm } from './observed.ts';

/** Plan removing the project from cluster `cluster`. */
export function planSwarmDown(
  project: string,
  cluster: string,
  observed: ObservedSwarm,
  volumes: { host: string; name: string }[] | undefined,
): Plan {
  const operations: PlannedOperation[] = [];
  const add = (service: string | undefined, title: string, call: SwarmCall, after: string[]) => {
    const id = `${operations.length + 1}`;
    operations.push({
      id,
      operation: { kind: 'swarm-step', service, title, call },
      after,
      cause: 'down',
    });
    return id;
  };
  const services = observed.services.map((s) =>
    add(
      s.spec.Labels[LABEL.service],
      `remove service ${s.spec.Name}`,
      { kind: 'remove-service', id: s.id, name: s.spec.Name },
      [],
    ),
  );
  for (const secret of observed.secrets)
    add(
      undefined,
      `remove secret ${secret.name}`,
      { kind: 'remove-secret', id: secret.id, name: secret.name },
      services,
    );
  for (const config of observed.configs)
    add(
      undefined,
      `remove config ${config.name}`,
      { kind: 'remove-config', id: config.id, name: config.name },
      services,
    );
  for (const network of observed.networks)
    add(
      undefined,
      `remove overlay network ${network.name}`,
      { kind: 'remove-network', id: network.id, name: network.name },
      services,
    );
  for (const volume of volumes ?? [])
    add(
      undefined,
      `remove volume ${volume.name} on ${volume.host} (its data is deleted)`,
      { kind: 'remove-volume', host: volume.host, name: volume.name },
      services,
    );
  return { project, host: cluster, operations, unchanged: [], orphans: [] };
}
