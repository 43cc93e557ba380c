/**
 * A small topology with web services (issue 19) and the states around it, for the planner's
 * golden tests of the edge proxy: `shop` has a database `db` on an internal network and a web
 * service `web` served at shop.localhost; desired states come from the real desiredState(), and
 * observed ones are what an engine would report after a plan ran (converged()).
 */
import type { ContainerSummary } from '../../../src/engine/engine.ts';
import { LABEL } from '../../../src/model/names.ts';
import type { HttpRoute, ProxySettings, Service, Topology } from '../../../src/model/topology.ts';
import { desiredState, type ResolvedImage } from '../../../src/plan/desired.ts';
import type { DesiredState, ObservedState, Plan } from '../../../src/plan/types.ts';
import { PROXY_CONTAINER, PROXY_LABEL, PROXY_VOLUMES } from '../../../src/proxy/names.ts';
import { makeProxySettings, RELEASE_SETTINGS, makeService } from '../../support/model-fixtures.ts';
import { convergedState } from './fixtures.ts';

/** `services.NAME.http` as the config layer normalises it, plain HTTP unless told otherwise. */
export function httpRoute(extra: Partial<HttpRoute> = {}): HttpRoute {
  return {
    hosts: [],
    port: 3000,
    path: '/health',
    tls: { kind: 'off' },
    drainTimeoutMs: 30_000,
    ...extra,
  };
}

/** The database: a volume, an internal network, a healthcheck; no http. */
export function dbService(extra: Partial<Service> = {}): Service {
  return makeService('db', {
    image: { kind: 'image', ref: 'mariadb:10.11' },
    networks: ['back'],
    volumes: [{ volume: 'db-data', target: '/var/lib/mysql', readOnly: false }],
    healthcheck: {
      test: ['CMD', 'healthcheck.sh', '--connect'],
      intervalMs: 1000,
      timeoutMs: 1000,
      retries: 30,
      startPeriodMs: 0,
    },
    ...extra,
  });
}

/** A web service `name` answering on port 3000, that waits for the database when `db` is true. */
export function webService(
  name: string,
  extra: Partial<Service> = {},
  http: Partial<HttpRoute> = {},
): Service {
  return makeService(name, {
    image: { kind: 'image', ref: `example/${name}:1` },
    env: { VERSION: '1' },
    http: httpRoute({ hosts: [`${name}.localhost`], ...http }),
    healthcheck: {
      test: ['CMD', 'true'],
      intervalMs: 1000,
      timeoutMs: 1000,
      retries: 3,
      startPeriodMs: 0,
    },
    ...extra,
  });
}

/** A topology of `services`; its networks and volumes are those the services name. */
export function webTopology(
  project: string,
  services: Service[],
  proxy: Partial<ProxySettings> = {},
): Topology {
  const networks = [...new Set(services.flatMap((s) => s.networks))];
  const volumes = [...new Set(services.flatMap((s) => s.volumes.map((v) => v.volume)))];
  return {
    project,
    file: `/srv/${project}/notesctl.config.yaml`,
    directory: `/srv/${project}`,
    hosts: {},
    clusters: {},
    networks: Object.fromEntries(
      networks.map((n) => [n, { name: n, internal: n === 'back', encrypted: true }]),
    ),
    volumes: Object.fromEntries(volumes.map((v) => [v, { name: v }])),
    secrets: {},
    services: Object.fromEntries(services.map((s) => [s.name, s])),
    releases: RELEASE_SETTINGS,
    proxy: makeProxySettings(proxy),
  };
}

/** The usual `shop`: db and web (web waits for db), `web` changed by `web` extras. */
export function shopTopology(web: Partial<Service> = {}): Topology {
  return webTopology('shop', [
    dbService(),
    webService('web', { networks: ['back'], dependsOn: { db: 'healthy' }, ...web }),
  ]);
}

/** Desired state of `services` (default: all) with fixed image ids; the proxy's image id too. */
export function desiredWeb(
  topology: Topology,
  options: { services?: string[]; proxyImageId?: string } = {},
): DesiredState {
  const images = new Map<string, ResolvedImage>(
    Object.values(topology.services).map((s) => [
      s.name,
      {
        ref: s.image.kind === 'image' ? s.image.ref : `notesctl-${topology.project}/${s.name}:x`,
        id: `sha256:${s.name}`,
        healthTest: undefined,
      },
    ]),
  );
  return desiredState({
    topology,
    host: 'local',
    services: options.services ?? Object.keys(topology.services).sort(),
    images,
    secretDigests: new Map(),
    proxy: {
      imageId: options.proxyImageId ?? 'sha256:caddy',
      acmeRoot: undefined,
      secretDigest: (secret) => `digest-${secret}`,
    },
  });
}

/** A running container as the engine lists it. */
export function runningContainer(
  id: string,
  name: string,
  labels: Record<string, string>,
  networks: string[],
): ContainerSummary {
  return {
    id,
    name,
    image: 'x',
    imageId: 'sha256:x',
    labels,
    state: 'running',
    status: 'Up 1 minute',
    health: 'healthy',
    exitCode: undefined,
    createdAt: new Date(0),
    ports: [],
    networks,
  };
}

/** The proxy container running configuration `hash`, attached to `networks`. */
export function runningProxy(hash: string, networks: string[]): ContainerSummary {
  return runningContainer(
    'id-proxy',
    PROXY_CONTAINER,
    { [PROXY_LABEL]: 'caddy', [LABEL.configHash]: hash },
    networks,
  );
}

/**
 * What the engine reports once `plan` (made for `desired`) has run: every service's container
 * running under the name the plan created it with, the networks and volumes, and the proxy
 * running the desired configuration with the files the plan wrote into it (the last write of
 * each path wins, as on the proxy's disk). `proxyFiles` are files other projects left there.
 */
export function converged(
  desired: DesiredState,
  plan: Plan,
  proxyFiles: Record<string, string> = {},
): ObservedState {
  // Every container the plan created, by service (several for a service with replicas).
  const created = new Map<string, string[]>();
  for (const o of plan.operations) {
    if (o.operation.kind !== 'create-container') continue;
    const { service, spec } = o.operation;
    created.set(service, [...(created.get(service) ?? []), spec.name]);
  }
  const files = new Map(Object.entries(proxyFiles));
  for (const op of plan.operations) {
    if (op.operation.kind !== 'proxy-config') continue;
    for (const file of op.operation.files) {
      if ('text' in file.source) files.set(file.path, file.source.text);
      else if ('digest' in file.source) files.set(file.path, file.source.digest);
      else files.delete(file.path);
    }
  }
  const containers = desired.services.flatMap((s) =>
    (created.get(s.name) ?? [s.spec.name]).map((name, i) =>
      runningContainer(i === 0 ? `id-${s.name}` : `id-${s.name}-${i + 1}`, name, s.spec.labels, [
        ...(s.spec.network ? [s.spec.network.name] : []),
        ...s.extraNetworks.map((n) => n.network),
      ]),
    ),
  );
  const proxy = desired.proxy;
  return {
    // Networks and volumes as after any converged up; containers and proxy as this plan left them.
    ...convergedState(desired),
    containers,
    ...(proxy
      ? {
          proxy: {
            container: runningProxy(proxy.hash, [proxy.network.name]),
            files: Object.fromEntries(files),
          },
          proxyVolumes: Object.values(PROXY_VOLUMES),
        }
      : {}),
  };
}

/** Ids of every operation `id` waits for, directly or through others. */
export function waitsFor(plan: Plan, id: string): Set<string> {
  const byId = new Map(plan.operations.map((o) => [o.id, o]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.after ?? []), ...(byId.get(id)?.afterExit ?? [])];
  while (stack.length > 0) {
    const next = stack.pop() ?? '';
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...(byId.get(next)?.after ?? []), ...(byId.get(next)?.afterExit ?? []));
  }
  return seen;
}
