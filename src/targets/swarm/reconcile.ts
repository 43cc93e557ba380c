/**
 * Desired + observed Swarm state → a Plan (issue 20). Pure: no engine, file or clock.
 *
 *   networks, secrets → services in dependency order, each followed by a wait for its tasks
 *   (a new service's, or the rolling update's) → probes of new overlays → old secret versions
 *
 * A service whose spec hash matches needs nothing, so an unchanged `up` plans no call. Swarm
 * carries out each update itself (start-first for stateless services, rolled back on failure).
 */
import { LABEL } from '../../model/names.ts';
import type { SwarmCall } from '../../plan/swarm-call.ts';
import type { Operation, Plan, PlannedOperation } from '../../plan/types.ts';
import type { DesiredSwarm } from './desired.ts';
import type { ObservedSwarm } from './observed.ts';
import { SECRET_LABEL } from './desired.ts';
import { CONFIG_LABEL } from './edge.ts';

/** What changes what the reconcile plans. */
export interface SwarmReconcileOptions {
  forceRecreate: boolean;
  removeOrphans: boolean;
  /** Every service in the topology (not only those in scope), to tell orphans apart. */
  allServices: string[];
  /** Members whose node the cluster reports down. */
  downHosts?: string[];
}

/** Plan converging `observed` to `desired`. */
export function reconcileSwarm(
  desired: DesiredSwarm,
  observed: ObservedSwarm,
  options: SwarmReconcileOptions,
): Plan {
  const ops: PlannedOperation[] = [];
  const add = (
    service: string | undefined,
    title: string,
    call: SwarmCall,
    after: string[],
    cause: string,
  ): string => {
    const id = `${ops.length + 1}`;
    const operation: Operation = { kind: 'swarm-step', service, title, call };
    ops.push({ id, operation, after, cause });
    return id;
  };
  const notes: string[] = [];

  // Networks: created when missing; an overlay cannot change in place while services use it.
  const ready: string[] = [];
  const created: { name: string; id: string }[] = [];
  for (const network of desired.networks) {
    const found = observed.networks.find((n) => n.labels[LABEL.network] === network.key);
    if (!found) {
      const how = [network.internal ? 'internal' : '', network.encrypted ? 'encrypted' : '']
        .filter(Boolean)
        .join(', ');
      const id = add(
        undefined,
        `create overlay network ${network.name}${how ? ` (${how})` : ''}`,
        { kind: 'create-network', ...network },
        [],
        'not created yet',
      );
      ready.push(id);
      created.push({ name: network.name, id });
    } else if (found.encrypted !== network.encrypted || found.internal !== network.internal) {
      notes.push(
        `network ${network.name} is ${describe(found)} on the cluster but the topology says ${describe(network)}: an overlay in use cannot change — \`notesctl down\` then \`up\` recreates it`,
      );
    }
  }
  const wanted = new Set(desired.secrets.map((s) => s.name));
  for (const secret of desired.secrets) {
    if (observed.secrets.some((s) => s.name === secret.name)) continue;
    const previous = observed.secrets.some((s) => s.labels[SECRET_LABEL] === secret.secret);
    ready.push(
      add(
        undefined,
        `create secret ${secret.name}`,
        { kind: 'create-secret', ...secret },
        [],
        previous ? 'value changed (a secret is immutable: a new version)' : 'not created yet',
      ),
    );
  }

  const wantedConfigs = new Set(desired.configs.map((c) => c.name));
  for (const config of desired.configs) {
    if (observed.configs.some((c) => c.name === config.name)) continue;
    ready.push(
      add(
        undefined,
        `create config ${config.name}`,
        { kind: 'create-config', ...config },
        [],
        observed.configs.some((c) => c.labels[CONFIG_LABEL] === config.labels[CONFIG_LABEL])
          ? 'content changed (a config is immutable: a new version)'
          : 'not created yet',
      ),
    );
  }

  // Services, each after its dependencies are running; a wait follows every change.
  const waits = new Map<string, string>();
  const order = dependencyOrder(desired);
  const unchanged: string[] = [];
  for (const service of order) {
    const found = observed.services.find((s) => s.spec.Labels[LABEL.service] === service.service);
    const deps = Object.keys(service.dependsOn).flatMap((d) => {
      const wait = waits.get(d);
      return wait ? [wait] : [];
    });
    const after = [...ready, ...deps];
    const pinned = service.pinnedTo ? ` on ${service.pinnedTo}` : '';
    let changed: string | undefined;
    if (!found) {
      changed = add(
        service.service,
        `create service ${service.spec.Name} (${tasksOf(service.replicas)}${pinned})`,
        { kind: 'create-service', spec: service.spec },
        after,
        'not created yet',
      );
    } else if (found.spec.Labels[LABEL.configHash] !== service.hash || options.forceRecreate) {
      const cause =
        found.spec.Labels[LABEL.configHash] !== service.hash
          ? 'config hash changed'
          : '--force-recreate';
      changed = add(
        service.service,
        `update service ${service.spec.Name} (rolling, ${service.spec.UpdateConfig?.Order ?? 'stop-first'}${pinned})`,
        { kind: 'update-service', id: found.id, version: found.version, spec: service.spec },
        after,
        cause,
      );
    } else {
      unchanged.push(service.service);
      continue;
    }
    waits.set(
      service.service,
      add(
        service.service,
        `wait until ${service.spec.Name} runs ${service.replicas === 0 ? 'on every edge node' : `${service.replicas} healthy task(s)`}`,
        {
          kind: 'wait-service',
          name: service.spec.Name,
          hash: service.hash,
          replicas: service.replicas,
          timeoutMs: service.readyTimeoutMs,
        },
        [changed],
        'its tasks start',
      ),
    );
  }
  const allWaits = [...waits.values()];

  // New overlays, and those of changed services: prove that traffic crosses nodes (an encrypted
  // one fails silently otherwise) — again on the next up that changes a service, if one failed.
  const touched = new Set(
    order
      .filter((s) => waits.has(s.service))
      .flatMap((s) => s.spec.TaskTemplate.Networks.map((n) => n.Target)),
  );
  for (const network of desired.networks) {
    const fresh = created.find((c) => c.name === network.name);
    if (!fresh && !touched.has(network.name)) continue;
    add(
      undefined,
      `check traffic between nodes on ${network.name}`,
      { kind: 'probe-network', name: network.name, encrypted: network.encrypted },
      [...(fresh ? [fresh.id] : []), ...allWaits],
      fresh ? 'new overlay network' : 'a service on it changed',
    );
  }

  // Old secret versions no service in scope uses any more (Swarm refuses to remove one in use).
  const inScope = new Set(desired.secrets.map((s) => s.secret));
  for (const secret of observed.secrets) {
    const of = secret.labels[SECRET_LABEL];
    if (of === undefined || wanted.has(secret.name) || !inScope.has(of)) continue;
    add(
      undefined,
      `remove secret ${secret.name}`,
      { kind: 'remove-secret', id: secret.id, name: secret.name },
      allWaits,
      'an older version',
    );
  }

  // Old versions of configs (the proxy's Caddyfile) once the services moved off them.
  const configKinds = new Set(desired.configs.map((c) => c.labels[CONFIG_LABEL]));
  for (const config of observed.configs) {
    const kind = config.labels[CONFIG_LABEL];
    if (wantedConfigs.has(config.name) || !configKinds.has(kind)) continue;
    add(
      undefined,
      `remove config ${config.name}`,
      { kind: 'remove-config', id: config.id, name: config.name },
      allWaits,
      'an older version',
    );
  }

  const orphans = observed.services.filter(
    (s) => !options.allServices.includes(s.spec.Labels[LABEL.service] ?? ''),
  );
  if (options.removeOrphans) {
    for (const orphan of orphans)
      add(
        orphan.spec.Labels[LABEL.service],
        `remove service ${orphan.spec.Name}`,
        { kind: 'remove-service', id: orphan.id, name: orphan.spec.Name },
        [],
        'not in the topology (--remove-orphans)',
      );
  }
  return {
    project: desired.project,
    host: desired.cluster,
    operations: ops,
    unchanged,
    orphans: options.removeOrphans
      ? []
      : orphans.map((o) => ({
          service: o.spec.Labels[LABEL.service] ?? o.spec.Name,
          containerName: o.spec.Name,
        })),
    notes: [...placementNotes(desired, options.downHosts ?? []), ...notes],
  };
}

/** `3 tasks`, or `one task per edge node` for the global proxy (replicas 0). */
function tasksOf(replicas: number): string {
  if (replicas === 0) return 'one task per edge node';
  return `${replicas} task${replicas === 1 ? '' : 's'}`;
}

function describe(network: { internal: boolean; encrypted: boolean }): string {
  return `${network.internal ? 'internal' : 'not internal'}, ${network.encrypted ? 'encrypted' : 'not encrypted'}`;
}

/** What the plan says about stateful services pinned to one node (their data lives there). */
function placementNotes(desired: DesiredSwarm, down: string[]): string[] {
  return desired.services.flatMap((s) => {
    const node = s.pinnedTo;
    if (node === undefined) return [];
    return down.includes(node)
      ? [
          `${s.service} is pinned to ${node}, which is down: its data is on that node — bring ${node} back (its tasks start again by themselves) or restore a backup with the service pinned elsewhere`,
        ]
      : [
          `${s.service} is pinned to ${node} (its volumes live there): if ${node} is lost, ${s.service} stops until it is back or its data is restored on another node`,
        ];
  });
}

/** Services ordered so that each comes after those it depends on (the topology has no cycles). */
function dependencyOrder(desired: DesiredSwarm): DesiredSwarm['services'] {
  const byName = new Map(desired.services.map((s) => [s.service, s]));
  const done = new Set<string>();
  const order: DesiredSwarm['services'] = [];
  const visit = (name: string): void => {
    const service = byName.get(name);
    if (!service || done.has(name)) return;
    done.add(name);
    for (const dependency of Object.keys(service.dependsOn).sort()) visit(dependency);
    order.push(service);
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return order;
}
