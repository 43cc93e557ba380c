/**
 * The edge proxy and the switch of web services to their new releases (issue 19): the proxy's
 * volumes and container (one per host, shared by projects), its place on the project's edge
 * network, then, once every new release answers through the proxy, ONE configuration change
 * that moves traffic to them all; each old release drains and only then goes away.
 */
import type { ContainerSummary } from '../../engine/engine.ts';
import { LABEL } from '../../model/names.ts';
import { projectSites } from '../../proxy/caddyfile.ts';
import { PROXY_SERVICE, sitesFile } from '../../proxy/names.ts';
import type { DesiredProxy, ProxyFile } from '../types.ts';
import { addOperation, type Created, creationOf, type Reconciliation } from './context.ts';
import type { ContainerOutcome } from './containers.ts';
import { planRemovals } from './removals.ts';
import { replicaKey } from './replicas.ts';

/** Plan the proxy and the switch; nothing when the project has no web service on this host. */
export function planProxy(r: Reconciliation, networks: Created, outcome: ContainerOutcome): void {
  const proxy = r.desired.proxy;
  if (!proxy) return;
  const files = proxyFiles(r, proxy, outcome, 'new');
  // A proxy this plan creates starts with the routes that serve now (the old releases that run),
  // so that, as behind a running proxy, a new release takes traffic only once its check passed.
  const initial = proxyFiles(r, proxy, outcome, 'serving');
  const ready = planProxyContainer(r, proxy, networks, initial);
  const checks = planChecks(r, proxy, outcome, ready);
  const held = ready.proxyId === undefined ? filesHeld(initial) : r.observed.proxy?.files;
  const changed = files.some((f) => !sameFile(f, held?.[f.path]));
  const switched = changed
    ? [
        addOperation(r, {
          id: 'proxy:switch',
          operation: {
            kind: 'proxy-config',
            project: r.desired.project,
            files,
            reload: true,
            proxyId: ready.proxyId,
          },
          after: [...ready.after, ...checks],
          cause: checks.length > 0 ? 'new releases answer through the proxy' : 'routes changed',
        }),
      ]
    : checks;
  planRetirements(r, proxy, outcome, ready.proxyId, switched);
}

/**
 * The project's files in the proxy: the shared ones, then its sites with each service's new
 * release, or (`serving`) with the old release that serves until the switch, where one runs.
 */
function proxyFiles(
  r: Reconciliation,
  proxy: DesiredProxy,
  outcome: ContainerOutcome,
  releases: 'new' | 'serving',
): ProxyFile[] {
  const names = new Map(r.observed.containers.map((c) => [c.id, c.name]));
  const routes = proxy.routes.flatMap((route) => {
    const release = outcome.releases.get(route.service);
    const serving =
      releases === 'serving'
        ? release?.retiring.filter((c) => c.state === 'running').map((c) => c.name)
        : undefined;
    const kept = names.get(outcome.containerIds.get(route.service) ?? '');
    const upstreams =
      nonEmpty(serving) ??
      release?.names ??
      outcome.serving.get(route.service) ??
      (kept ? [kept] : runningNames(r.observed.containers, route.service));
    return upstreams.length > 0
      ? [{ ...route, upstreams: upstreams.map((name) => `${name}:${route.port}`) }]
      : [];
  });
  const sites = projectSites(r.desired.project, routes);
  return [...proxy.files, { path: sitesFile(r.desired.project), source: { text: sites } }];
}

/** A service out of this plan's scope keeps serving from its running containers. */
function runningNames(containers: ContainerSummary[], service: string): string[] {
  return containers
    .filter((c) => c.labels[LABEL.service] === service && c.state === 'running')
    .map((c) => c.name);
}

function nonEmpty(list: string[] | undefined): string[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** What a proxy holds once `files` are written, as the observed state shows it (see sameFile). */
function filesHeld(files: ProxyFile[]): Record<string, string> {
  const held: Record<string, string> = {};
  for (const { path, source } of files) {
    if ('text' in source) held[path] = source.text;
    else if ('digest' in source) held[path] = source.digest;
  }
  return held;
}

/** True when the proxy holds `file` as desired (`observed`: its text, or a secret's digest). */
function sameFile(file: ProxyFile, observed: string | undefined): boolean {
  const { source } = file;
  if ('text' in source) return observed === source.text;
  if ('digest' in source) return observed === source.digest;
  return observed === undefined;
}

/**
 * Keep the proxy when it runs this configuration (joining the project's edge network if it is
 * not on it yet); otherwise create it with its files in place, start it, and wait until its admin
 * endpoint answers. A recreated proxy rejoins every other project's edge network it was on.
 */
function planProxyContainer(
  r: Reconciliation,
  proxy: DesiredProxy,
  networks: Created,
  files: ProxyFile[],
): { proxyId: string | undefined; after: string[] } {
  const edge = creationOf(networks, proxy.network.name);
  const current = r.observed.proxy?.container;
  if (current?.labels[LABEL.configHash] === proxy.hash && current.state === 'running') {
    if (current.networks.includes(proxy.network.name)) return { proxyId: current.id, after: [] };
    const connect = connectProxy(r, proxy.network.name, current.id, edge);
    return { proxyId: current.id, after: [connect] };
  }
  const volumes = proxy.volumes
    .filter((v) => !(r.observed.proxyVolumes ?? []).includes(v.name))
    .map((volume) =>
      addOperation(r, {
        id: `volume:${volume.name}`,
        operation: { kind: 'create-volume', volume },
        after: [],
        cause: 'the edge proxy keeps its certificates and configuration here',
      }),
    );
  const cause = current ? 'its image or ports changed' : 'the project has web services';
  const removed = current
    ? planRemovals(r, PROXY_SERVICE, [current], { timeoutS: 10, after: [], cause })
    : [];
  const createId = addOperation(r, {
    id: `create:${PROXY_SERVICE}`,
    operation: { kind: 'create-container', service: PROXY_SERVICE, spec: proxy.spec },
    after: [...volumes, ...removed],
    cause,
  });
  const configId = addOperation(r, {
    id: 'proxy:config',
    operation: {
      kind: 'proxy-config',
      project: r.desired.project,
      files,
      reload: false,
      proxyId: undefined,
    },
    after: [createId],
    cause: 'a new proxy reads its configuration when it starts',
  });
  const others = (current?.networks ?? []).filter((n) => n !== proxy.network.name);
  const rejoined = others.map((n) => connectProxy(r, n, undefined, [createId]));
  const startId = addOperation(r, {
    id: `start:${PROXY_SERVICE}`,
    operation: { kind: 'start-container', service: PROXY_SERVICE, containerId: undefined },
    after: [configId, ...edge, ...rejoined],
    cause,
  });
  const readyId = addOperation(r, {
    id: `ready:${PROXY_SERVICE}`,
    operation: {
      kind: 'wait-ready',
      service: PROXY_SERVICE,
      condition: 'healthy',
      containerId: undefined,
      readiness: proxy.readiness,
    },
    after: [startId],
    cause: 'releases are checked through it',
  });
  return { proxyId: undefined, after: [readyId] };
}

function connectProxy(
  r: Reconciliation,
  network: string,
  containerId: string | undefined,
  after: string[],
): string {
  return addOperation(r, {
    id: `connect:${PROXY_SERVICE}:${network}`,
    operation: {
      kind: 'connect-network',
      service: PROXY_SERVICE,
      network,
      aliases: [],
      containerId,
    },
    after,
    cause: 'the proxy reaches web services on their edge network',
  });
}

/** Each new release must answer its health path through the proxy before any switch. */
function planChecks(
  r: Reconciliation,
  proxy: DesiredProxy,
  outcome: ContainerOutcome,
  ready: { proxyId: string | undefined; after: string[] },
): string[] {
  return [...outcome.releases].flatMap(([service, release]) => {
    const web = r.desired.services.find((s) => s.name === service)?.web;
    if (!web) return [];
    const own = r.operations.filter(
      (op) =>
        (op.operation.kind === 'wait-ready' || op.operation.kind === 'start-container') &&
        op.operation.service === service,
    );
    return release.names.map((name, index) => {
      const instance = replicaKey(service, index);
      return addOperation(r, {
        id: `check:${instance ?? service}`,
        operation: {
          kind: 'proxy-check',
          service,
          upstream: `${name}:${web.port}`,
          path: web.path,
          proxyId: ready.proxyId,
          timeoutMs: 120_000,
          ...(instance ? { instance } : {}),
        },
        after: [...own.map((op) => op.id), ...ready.after],
        cause: `the proxy (${proxy.spec.name}) must reach the new release`,
      });
    });
  });
}

/** Old releases drain once traffic has moved, then stop and go. */
function planRetirements(
  r: Reconciliation,
  proxy: DesiredProxy,
  outcome: ContainerOutcome,
  proxyId: string | undefined,
  switched: string[],
): void {
  for (const [service, release] of outcome.releases) {
    const desired = r.desired.services.find((s) => s.name === service);
    if (!desired?.web) continue;
    for (const old of release.retiring) {
      const port = desired.web.port;
      const drained =
        old.state === 'running'
          ? [
              addOperation(r, {
                id: `drain:${service}:${old.name}`,
                operation: {
                  kind: 'drain',
                  service,
                  upstream: `${old.name}:${port}`,
                  containerId: old.id,
                  network: proxy.network.name,
                  proxyId,
                  timeoutMs: desired.web.drainTimeoutMs,
                },
                after: switched,
                cause: `traffic moved to ${release.name} (${proxy.spec.name})`,
              }),
            ]
          : switched;
      planRemovals(r, service, [old], {
        timeoutS: desired.stopTimeoutS,
        after: drained,
        cause: 'replaced by the new release',
      });
    }
  }
}
