/**
 * planDown(observed, order, options) → Plan: stop and remove a project's containers (services
 * that depend on others first, so apps stop before their databases; a database is stopped as
 * soon as its apps' processes have exited, not after the engine's clean-up of them), each
 * network as soon as the containers attached to it are gone (not after all of them: removing a
 * network costs the engine a few hundred ms, which then overlaps the rest of the stop chain),
 * and the volumes only when asked, after every container. Pure, like reconcile().
 */
import { LABEL } from '../model/names.ts';
import { EDGE_NETWORK } from '../model/topology.ts';
import { PROXY_SERVICE, sitesFile } from '../proxy/names.ts';
import type { ObservedState, Plan, PlannedOperation } from './types.ts';
import { compareText } from '../model/order.ts';

/** Dependencies between services, from the topology (service → services it depends on). */
export type DependencyMap = Record<string, string[]>;

/** Plan `down` for one host. */
export function planDown(
  project: string,
  host: string,
  observed: ObservedState,
  dependencies: DependencyMap,
  options: { volumes: boolean; stopTimeoutS: (service: string) => number },
): Plan {
  const ops: PlannedOperation[] = [];
  // The edge proxy (shared with other projects) stops routing to the project first, then leaves
  // its edge network: the project's containers stop only once no request is sent their way.
  const unrouted = planLeaveProxy(project, observed, ops);
  /** Removal op of each container, with the networks it is attached to. */
  const removals: { id: string; networks: string[] }[] = [];
  const containers = [...observed.containers].sort((a, b) => compareText(a.name, b.name));
  for (const c of containers) {
    const service = c.labels[LABEL.service] ?? '';
    const stopId = `stop:${service}:${c.name}`;
    // A service stops once every service that depends on it has exited.
    const dependents = Object.entries(dependencies)
      .filter(([, deps]) => deps.includes(service))
      .map(([name]) => name);
    const afterExit = containers
      .filter((o) => dependents.includes(o.labels[LABEL.service] ?? ''))
      .map((o) => `stop:${o.labels[LABEL.service] ?? ''}:${o.name}`);
    ops.push({
      id: stopId,
      operation: {
        kind: 'stop-container',
        service,
        containerId: c.id,
        containerName: c.name,
        timeoutS: options.stopTimeoutS(service),
      },
      after: unrouted,
      ...(afterExit.length > 0 ? { afterExit } : {}),
      cause: 'down',
    });
    const removeId = `remove:${service}:${c.name}`;
    ops.push({
      id: removeId,
      operation: { kind: 'remove-container', service, containerId: c.id, containerName: c.name },
      after: [stopId],
      cause: 'down',
    });
    removals.push({ id: removeId, networks: c.networks });
  }
  const allRemovals = removals.map((r) => r.id);
  for (const n of [...observed.networks].sort((a, b) => compareText(a.name, b.name))) {
    // A container whose attachments the listing did not show may use any network: wait for it.
    const users = removals.filter(
      (r) => r.networks.length === 0 || r.networks.includes(n.name) || r.networks.includes(n.id),
    );
    ops.push({
      id: `remove-network:${n.labels[LABEL.network] ?? n.name}`,
      operation: { kind: 'remove-network', networkId: n.id, name: n.name },
      after: [
        ...users.map((r) => r.id),
        ...(n.labels[LABEL.network] === EDGE_NETWORK ? unrouted : []),
      ],
      cause: 'down',
    });
  }
  if (options.volumes) {
    for (const v of [...observed.volumes].sort((a, b) => compareText(a.name, b.name))) {
      ops.push({
        id: `remove-volume:${v.labels[LABEL.volume] ?? v.name}`,
        operation: { kind: 'remove-volume', name: v.name },
        after: allRemovals,
        cause: 'down --volumes',
      });
    }
  }
  return { project, host, operations: ops, unchanged: [], orphans: [] };
}

/** Take the project's sites out of the edge proxy and the proxy off its edge network. */
function planLeaveProxy(
  project: string,
  observed: ObservedState,
  ops: PlannedOperation[],
): string[] {
  const proxy = observed.proxy;
  const edge = observed.networks.find((n) => n.labels[LABEL.network] === EDGE_NETWORK);
  if (!proxy) return [];
  const sites = sitesFile(project);
  const routed = proxy.files[sites] !== undefined;
  const after: string[] = [];
  if (routed) {
    ops.push({
      id: 'proxy:unroute',
      operation: {
        kind: 'proxy-config',
        project,
        files: [{ path: sites, source: { remove: true } }],
        reload: proxy.container.state === 'running',
        proxyId: proxy.container.id,
      },
      after: [],
      cause: 'down: the proxy stops routing to the project',
    });
    after.push('proxy:unroute');
  }
  if (edge && proxy.container.networks.includes(edge.name)) {
    ops.push({
      id: `disconnect:${PROXY_SERVICE}`,
      operation: {
        kind: 'disconnect-network',
        service: PROXY_SERVICE,
        network: edge.name,
        containerId: proxy.container.id,
      },
      after: [...after],
      cause: "down: the proxy leaves the project's edge network",
    });
    after.push(`disconnect:${PROXY_SERVICE}`);
  }
  return after;
}
