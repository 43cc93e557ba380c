/**
 * The swarm target's `up` pipeline (issue 20), shared by `up` and `plan`: images onto every
 * node, secrets resolved, the cluster observed once, stateful services placed, then the pure
 * desired state and reconcile. With `dryRun` nothing is built, shipped or written.
 *
 * Images without a registry: built (or found) on the operator's engine, then the missing layers
 * shipped to every reachable node in parallel (the same shipping as for one remote host), so any
 * node can run any task; Swarm then needs no pull (specs name image IDs).
 */
import { listNodes } from '../../engine/swarm-nodes.ts';
import { resolveImages, type ImageResolution } from '../../build/images.ts';
import { NODE_LABEL } from '../../model/cluster-names.ts';
import type { Engine } from '../../engine/engine.ts';
import { pinnedHost } from './placement.ts';
import { LABEL, projectSelector } from '../../model/names.ts';
import type { Cluster, Secret, Topology } from '../../model/topology.ts';
import { resolveSecrets } from '../../secrets/store.ts';
import type { PlannedUp, PlanUpOptions } from '../target.ts';
import { secretDigestOf } from '../docker/proxy-inputs.ts';
import { desiredSwarm } from './desired.ts';
import { observeSwarm } from './observed.ts';
import { placeStateful } from './placement.ts';
import { reconcileSwarm } from './reconcile.ts';
import { PROXY_SERVICE } from '../../proxy/names.ts';
import { RuntimeError } from '../../errors.ts';
import type { ReleasedService } from '../../releases/history.ts';

/** The cluster's engines as the plan needs them. */
export interface ClusterEngines {
  cluster: Cluster;
  manager: Engine;
  /** Reachable members, by host name. */
  nodes: Map<string, Engine>;
  /** The operator's engine, where images are built. */
  builder: Engine;
}

/** Images on the builder, then on every node (missing layers shipped, nodes in parallel). */
async function imagesOnNodes(
  engines: ClusterEngines,
  topology: Topology,
  services: string[],
  options: PlanUpOptions,
): Promise<{ ids: Map<string, string>; resolution: ImageResolution }> {
  const imageOptions = { ...options, noCache: false };
  const web = services.some((s) => topology.services[s]?.http !== undefined);
  const proxy = web ? [{ name: PROXY_SERVICE, ref: topology.proxy.image }] : [];
  const local = await resolveImages(engines.builder, topology, services, imageOptions, proxy);
  // One export and pack per image, loaded by every node that lacks the same layers.
  const { PackCache } = await import('../../ship/pack-cache.ts');
  const packs = new PackCache();
  const nodeOptions = { ...imageOptions, builder: engines.builder, packs };
  const onNodes = await Promise.all(
    [...engines.nodes.values()].map((node) =>
      resolveImages(node, topology, services, nodeOptions, proxy),
    ),
  ).finally(() => packs.close());
  const ids = new Map([...local.images].map(([service, image]) => [service, image.id]));
  return {
    ids,
    resolution: {
      images: local.images,
      changed: [...local.changed, ...onNodes.flatMap((r) => r.changed)],
      shipped: onNodes.flatMap((r) => r.shipped),
    },
  };
}

/** Which nodes hold each of the project's volumes (topology volume name → hosts). */
async function volumeHosts(
  engines: ClusterEngines,
  project: string,
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  await Promise.all(
    [...engines.nodes].map(async ([host, engine]) => {
      for (const volume of await engine.listVolumes(projectSelector(project))) {
        const key = volume.labels[LABEL.volume];
        if (key !== undefined) found.set(key, [...(found.get(key) ?? []), host]);
      }
    }),
  );
  return found;
}

/** Refuse a rollback to an image some reachable node no longer has, naming it. */
async function checkPinnedImages(
  engines: ClusterEngines,
  pins: Map<string, ReleasedService>,
): Promise<void> {
  for (const [service, pin] of pins) {
    const found = await Promise.all(
      [...engines.nodes].map(
        async ([host, node]) => [host, await node.inspectImage(pin.image)] as const,
      ),
    );
    const missing = found.filter(([, image]) => image === undefined).map(([host]) => host);
    if (missing.length > 0)
      throw new RuntimeError(
        `image ${pin.image.slice(0, 19)} (${pin.ref}) of service ${service} is no longer on ${missing.join(', ')}`,
        { hint: 'Deploy that version again with `notesctl up` from its sources.' },
      );
  }
}

/** Observe, resolve and reconcile the `services` placed on the cluster. */
export async function planSwarmUp(
  engines: ClusterEngines,
  topology: Topology,
  services: string[],
  options: PlanUpOptions,
): Promise<PlannedUp> {
  const { project } = topology;
  const clusterName = engines.cluster.name;
  const needed = [
    ...new Set(services.flatMap((s) => topology.services[s]?.secrets.map((m) => m.secret) ?? [])),
  ]
    .map((name) => topology.secrets[name])
    .filter((s): s is Secret => s !== undefined);
  const pins = options.pins ?? new Map<string, ReleasedService>();
  const [images, observed, holding, values, nodes] = await Promise.all([
    imagesOnNodes(
      engines,
      topology,
      services.filter((s) => !pins.has(s)),
      options,
    ),
    observeSwarm(engines.manager, project),
    volumeHosts(engines, project),
    resolveSecrets(project, clusterName, needed, { dryRun: options.dryRun }),
    listNodes(engines.manager),
  ]);
  // A rollback runs earlier images, which every node must still hold (they were shipped to all).
  await checkPinnedImages(engines, pins);
  for (const [service, pin] of pins) images.ids.set(service, pin.image);
  const downHosts = nodes
    .filter((n) => n.state !== 'ready')
    .map((n) => n.labels[NODE_LABEL.host] ?? n.hostname);
  const value = (secret: string): Buffer => {
    const content = values.values.get(secret);
    if (!content) throw new Error(`bug: secret ${secret} was not resolved`);
    return content;
  };
  const secretDigests = new Map(
    needed.map((s) => [
      s.name,
      secretDigestOf(
        values.hashKey,
        s.name,
        values.values.get(s.name) ?? Buffer.from(`(pending ${s.name})`),
      ),
    ]),
  );
  const currentPins = new Map<string, string>();
  for (const service of observed.services) {
    const host = pinnedHost(service.spec.TaskTemplate.Placement.Constraints);
    const name = service.spec.Labels[LABEL.service];
    if (host !== undefined && name !== undefined) currentPins.set(name, host);
  }
  const placement = placeStateful(topology, engines.cluster, services, {
    volumeHosts: holding,
    currentPins,
  });
  const desired = desiredSwarm({
    topology,
    cluster: clusterName,
    services,
    images: images.ids,
    secretDigests,
    pins: placement,
    proxyImage: images.ids.get(PROXY_SERVICE),
  });
  const plan = reconcileSwarm(desired, observed, {
    forceRecreate: options.forceRecreate,
    removeOrphans: options.removeOrphans,
    allServices: [...Object.keys(topology.services), PROXY_SERVICE],
    downHosts,
  });
  const changed = new Set(
    plan.operations.flatMap((o) =>
      o.operation.kind === 'swarm-step' &&
      (o.operation.call.kind === 'create-service' || o.operation.call.kind === 'update-service')
        ? [o.operation.service ?? '']
        : [],
    ),
  );
  return {
    plan,
    release: {
      changed: services.filter((s) => changed.has(s)),
      // The topology's services (the edge proxy is the cluster's, as on one host).
      services: Object.fromEntries(
        desired.services
          .filter((s) => s.service !== PROXY_SERVICE)
          .map((s) => [
            s.service,
            {
              image: images.ids.get(s.service) ?? '',
              ref: images.resolution.images.get(s.service)?.ref ?? pins.get(s.service)?.ref ?? '',
              configHash: s.hash,
            },
          ]),
      ),
    },
    images: images.resolution.changed,
    shipped: images.resolution.shipped,
    secretFiles: () => [],
    proxySecrets: value,
    missingSecrets: values.missing,
  };
}
