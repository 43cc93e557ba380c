/**
 * reconcile(desired, observed, options) → Plan. Pure: no engine, no files, no clock. Tests call
 * it with literal states and compare the formatted plan as text.
 */
import type { ContainerSummary } from '../engine/engine.ts';
import { LABEL, containerName } from '../model/names.ts';
import type { DependencyCondition } from '../model/topology.ts';
import type {
  DesiredService,
  DesiredState,
  ObservedState,
  Plan,
  PlannedOperation,
  ReconcileOptions,
} from './types.ts';
import { compareText } from '../model/order.ts';

const RUNNING_STATES = new Set(['running', 'restarting']);

/** Compute the operations that take the engine from `observed` to `desired`. */
export function reconcile(
  desired: DesiredState,
  observed: ObservedState,
  options: ReconcileOptions,
): Plan {
  const ops: PlannedOperation[] = [];
  const add = (op: PlannedOperation): string => {
    ops.push(op);
    return op.id;
  };
  const networkOps = planNetworks(desired, observed, add);
  // The engine resolves a container's networks when it starts, not when it is created (a
  // deliberate rule of the Docker API), so a new container and its secrets do not wait for its
  // networks: on a cold `up` they are made while the engine creates the networks. Its start and
  // its `network connect`s wait for them.
  const networkOpsOf = (name: string | undefined): string[] => {
    const id = name === undefined ? undefined : networkOps.get(name);
    return id === undefined ? [] : [id];
  };
  const volumeOps = planVolumes(desired, observed, add);

  const byService = groupByService(observed.containers);
  const startOps = new Map<string, string>();
  const runningIds = new Map<string, string>();
  const pendingStarts: { service: DesiredService; startId: string; after: string[] }[] = [];
  const unchanged: string[] = [];
  const starting: string[] = [];

  for (const service of [...desired.services].sort((a, b) => compareText(a.name, b.name))) {
    const containers = byService.get(service.name) ?? [];
    const keep = options.forceRecreate ? undefined : pickReusable(containers, service.hash);
    const stale = containers.filter((c) => c !== keep);
    // A one-shot job (restart: no) that finished cleanly is done, not stopped.
    const finishedJob =
      keep?.state === 'exited' && keep.exitCode === 0 && service.spec.restart.name === 'no';
    if (keep && (RUNNING_STATES.has(keep.state) || finishedJob) && stale.length === 0) {
      runningIds.set(service.name, keep.id);
      unchanged.push(service.name);
      if (keep.health === 'starting' || keep.health === 'unhealthy') starting.push(service.name);
      continue;
    }
    const removals = (list: ContainerSummary[], after: string[], cause: string): string[] =>
      list.map((c) => {
        const stopId = add({
          id: `stop:${service.name}:${c.name}`,
          operation: {
            kind: 'stop-container',
            service: service.name,
            containerId: c.id,
            containerName: c.name,
            timeoutS: service.stopTimeoutS,
          },
          after,
          cause,
        });
        return add({
          id: `remove:${service.name}:${c.name}`,
          operation: {
            kind: 'remove-container',
            service: service.name,
            containerId: c.id,
            containerName: c.name,
          },
          after: [stopId],
          cause,
        });
      });

    if (keep) {
      // The right container exists but is stopped: start it again, drop any stale extras.
      const removed = removals(stale, [], 'duplicate or outdated container of this service');
      runningIds.set(service.name, keep.id);
      const startId = `start:${service.name}`;
      startOps.set(service.name, startId);
      pendingStarts.push({ service, startId, after: removed });
      add({
        id: startId,
        operation: { kind: 'start-container', service: service.name, containerId: keep.id },
        after: [],
        cause: `container is ${keep.state}`,
      });
      continue;
    }

    const newName = containerName(desired.project, service.name, service.hash);
    const cause = createCause(containers, service.hash, options.forceRecreate);
    const clashing = stale.filter((c) => c.name === newName);
    const preRemovals = removals(clashing, [], 'same name as the container to create');
    const createId = add({
      id: `create:${service.name}`,
      operation: { kind: 'create-container', service: service.name, spec: service.spec },
      after: [...preRemovals, ...service.spec.mounts.flatMap((m) => volumeOps.get(m.volume) ?? [])],
      cause,
    });
    const setup = [createId, ...networkOpsOf(service.spec.network?.name)];
    for (const extra of service.extraNetworks) {
      setup.push(
        add({
          id: `connect:${service.name}:${extra.network}`,
          operation: {
            kind: 'connect-network',
            service: service.name,
            network: extra.network,
            aliases: extra.aliases,
          },
          after: [createId, ...networkOpsOf(extra.network)],
          cause: 'service is on several networks',
        }),
      );
    }
    if (service.secretFiles.length > 0) {
      setup.push(
        add({
          id: `secrets:${service.name}`,
          operation: { kind: 'copy-secrets', service: service.name, files: service.secretFiles },
          after: [createId],
          cause: 'secrets are delivered as files',
        }),
      );
    }
    const postRemovals = removals(
      stale.filter((c) => !clashing.includes(c)),
      [...setup],
      'replaced by the new container',
    );
    const startId = `start:${service.name}`;
    startOps.set(service.name, startId);
    pendingStarts.push({ service, startId, after: [...setup, ...postRemovals] });
    add({
      id: startId,
      operation: { kind: 'start-container', service: service.name, containerId: undefined },
      after: [],
      cause: 'new container',
    });
  }

  const readyOps = new Map<string, string>();
  const ensureReady = (
    name: string,
    condition: DependencyCondition,
    reason: string,
  ): string | undefined => {
    const key = `ready:${name}:${condition}`;
    if (readyOps.has(key)) return key;
    const service = desired.services.find((s) => s.name === name);
    if (!service) return undefined;
    const startId = startOps.get(name);
    // Known for kept or restarted containers; a new container's id comes from its create step.
    const containerId = runningIds.get(name);
    add({
      id: key,
      operation: {
        kind: 'wait-ready',
        service: name,
        condition,
        containerId,
        readiness: service.readiness,
      },
      after: startId ? [startId] : [],
      cause: reason,
    });
    readyOps.set(key, key);
    return key;
  };

  for (const pending of pendingStarts) {
    const waits = Object.entries(pending.service.dependsOn).flatMap(([dep, condition]) => {
      const id = ensureReady(
        dep,
        condition,
        `${pending.service.name} depends on it (${condition})`,
      );
      return id ? [id] : [];
    });
    const op = ops.find((o) => o.id === pending.startId);
    if (op) op.after = [...pending.after, ...waits];
  }
  if (options.wait) {
    for (const pending of pendingStarts) {
      // A service some dependent already waits for needs no second wait.
      if ([...readyOps.keys()].some((k) => k.startsWith(`ready:${pending.service.name}:`)))
        continue;
      const condition: DependencyCondition = pending.service.readiness.test ? 'healthy' : 'started';
      ensureReady(pending.service.name, condition, 'up waits until every started service is ready');
    }
  }

  const orphans = planOrphans(desired, observed, options, add);
  const first = criticalStart(ops);
  return {
    project: desired.project,
    host: desired.host,
    operations: ops,
    unchanged: unchanged.sort(),
    starting: starting.sort(),
    orphans,
    ...(first ? { first } : {}),
  };
}

/** Rough relative duration of an operation, only to find the longest chain. */
function weightOf(op: PlannedOperation): number {
  switch (op.operation.kind) {
    case 'wait-ready':
      return 8;
    case 'start-container':
      return 4;
    case 'copy-secrets':
    case 'create-network':
      return 2;
    default:
      return 1;
  }
}

/**
 * The start operation with the longest weighted chain of operations after it (first of ties).
 * None when the plan stops a container: a stop sent to the engine completes there even if
 * notesctl is killed, so holding stops back behind a start would leave more of them in flight,
 * to land after the next `up` has looked (and a recreation stops nothing the old way round).
 */
function criticalStart(ops: PlannedOperation[]): string | undefined {
  if (ops.some((op) => op.operation.kind === 'stop-container')) return undefined;
  const dependents = new Map<string, PlannedOperation[]>();
  for (const op of ops)
    for (const id of op.after) dependents.set(id, [...(dependents.get(id) ?? []), op]);
  const tails = new Map<string, number>();
  const tailOf = (op: PlannedOperation): number => {
    let tail = tails.get(op.id);
    if (tail === undefined) {
      tail = weightOf(op) + Math.max(0, ...(dependents.get(op.id) ?? []).map(tailOf));
      tails.set(op.id, tail);
    }
    return tail;
  };
  let best: PlannedOperation | undefined;
  for (const op of ops)
    if (op.operation.kind === 'start-container' && (!best || tailOf(op) > tailOf(best))) best = op;
  return best?.id;
}

function pickReusable(containers: ContainerSummary[], hash: string): ContainerSummary | undefined {
  // A container left in "created" by an interrupted run may lack its secrets or networks: never reuse it.
  const matching = containers.filter(
    (c) => c.labels[LABEL.configHash] === hash && c.state !== 'created',
  );
  return matching.find((c) => RUNNING_STATES.has(c.state)) ?? matching[0];
}

function createCause(containers: ContainerSummary[], hash: string, force: boolean): string {
  if (containers.length === 0) return 'not created yet';
  if (force) return '--force-recreate';
  if (containers.some((c) => c.labels[LABEL.configHash] === hash))
    return 'previous attempt did not finish';
  return 'configuration or image changed (config hash differs)';
}

function groupByService(containers: ContainerSummary[]): Map<string, ContainerSummary[]> {
  const map = new Map<string, ContainerSummary[]>();
  for (const c of containers) {
    const service = c.labels[LABEL.service];
    if (service === undefined) continue;
    map.set(service, [...(map.get(service) ?? []), c]);
  }
  return map;
}

function planNetworks(
  desired: DesiredState,
  observed: ObservedState,
  add: (op: PlannedOperation) => string,
): Map<string, string> {
  const ids = new Map<string, string>();
  for (const network of desired.networks) {
    const existing = observed.networks.find((n) => n.labels[LABEL.network] === network.key);
    if (existing) continue;
    ids.set(
      network.name,
      add({
        id: `network:${network.key}`,
        operation: { kind: 'create-network', network },
        after: [],
        cause: 'not created yet',
      }),
    );
  }
  return ids;
}

function planVolumes(
  desired: DesiredState,
  observed: ObservedState,
  add: (op: PlannedOperation) => string,
): Map<string, string> {
  const ids = new Map<string, string>();
  for (const volume of desired.volumes) {
    if (observed.volumes.some((v) => v.labels[LABEL.volume] === volume.key)) continue;
    ids.set(
      volume.name,
      add({
        id: `volume:${volume.key}`,
        operation: { kind: 'create-volume', volume },
        after: [],
        cause: 'not created yet',
      }),
    );
  }
  return ids;
}

function planOrphans(
  desired: DesiredState,
  observed: ObservedState,
  options: ReconcileOptions,
  add: (op: PlannedOperation) => string,
): Plan['orphans'] {
  const known = new Set(desired.allServices);
  const orphans = observed.containers
    .filter(
      (c) => c.labels[LABEL.service] !== undefined && !known.has(c.labels[LABEL.service] ?? ''),
    )
    .map((c) => ({ container: c, service: c.labels[LABEL.service] ?? '' }))
    .sort((a, b) => compareText(a.container.name, b.container.name));
  if (options.removeOrphans) {
    for (const { container, service } of orphans) {
      const stopId = add({
        id: `stop:${service}:${container.name}`,
        operation: {
          kind: 'stop-container',
          service,
          containerId: container.id,
          containerName: container.name,
          timeoutS: 10,
        },
        after: [],
        cause: 'orphan: service no longer in the topology (--remove-orphans)',
      });
      add({
        id: `remove:${service}:${container.name}`,
        operation: {
          kind: 'remove-container',
          service,
          containerId: container.id,
          containerName: container.name,
        },
        after: [stopId],
        cause: 'orphan: service no longer in the topology (--remove-orphans)',
      });
    }
  }
  return orphans.map((o) => ({ service: o.service, containerName: o.container.name }));
}
