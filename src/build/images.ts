/**
 * Make sure every service's image is on the target engine and say which image ID each runs:
 * `build:` services are built from their folder when no image carries the context's digest
 * (or with --build); `image:` services are pulled when missing. Inspections run in parallel.
 */
import { EngineError, RuntimeError } from '../errors.ts';
import type { ApplyEvent } from '../apply/events.ts';
import type { Engine } from '../engine/engine.ts';
import { LABEL, imageRepository } from '../model/names.ts';
import type { Service, Topology } from '../model/topology.ts';
import type { ResolvedImage } from '../plan/desired.ts';
import { contextDigest, listContext } from './context.ts';
import { chainIds, chainIdsOn } from '../ship/layers.ts';
import type { ShipResult } from '../ship/ship.ts';
import type { PackCache } from '../ship/pack-cache.ts';
import { formatBytes } from '../output/bytes.ts';

/** Options for resolveImages(). */
export interface ImageOptions {
  /** Rebuild even when an image with the same context digest exists. */
  forceBuild: boolean;
  noCache: boolean;
  /** Do not build or pull: report what would happen (for `plan`). */
  dryRun: boolean;
  onEvent: (event: ApplyEvent) => void;
  /** The operator's engine, when the target is remote: images are built there and shipped. */
  builder?: Engine | undefined;
  /** Packs shared by the shipments to several targets (a cluster's nodes). */
  packs?: PackCache | undefined;
}

/** What resolveImages() found and did. */
export interface ImageResolution {
  images: Map<string, ResolvedImage>;
  /** Services whose image must be built or pulled (dry run) or was (otherwise). */
  changed: { service: string; action: 'build' | 'pull' | 'ship'; ref: string }[];
  /** What shipping sent, per image. */
  shipped: ShipResult[];
}

/** A build service's tag and context digest, computed once per command (per Service object). */
const tags = new WeakMap<Service, Promise<{ tag: string; digest: string }>>();

/** The tag a build service's image gets: repository + the first 12 hex of its context digest. */
export function buildTag(
  project: string,
  service: Service,
): Promise<{ tag: string; digest: string }> {
  let tag = tags.get(service);
  if (!tag) {
    tag = computeBuildTag(project, service);
    tags.set(service, tag);
  }
  return tag;
}

async function computeBuildTag(
  project: string,
  service: Service,
): Promise<{ tag: string; digest: string }> {
  if (service.image.kind !== 'build') throw new Error('bug: buildTag on an image service');
  const { context, dockerfile, args, target } = service.image;
  const files = await listContext(context, dockerfile);
  const digest = await contextDigest(files, { dockerfile, args, target });
  return { tag: `${imageRepository(project, service.name)}:${digest.slice(0, 12)}`, digest };
}

/**
 * Start digesting the build contexts of `services` now, so that the work overlaps an SSH
 * handshake (mostly waiting). Not earlier: its file reads would queue ahead of the lock's and
 * the handshake's own in libuv's thread pool. Failures surface where the tag is awaited.
 */
export function warmBuildTags(topology: Topology, services: string[]): void {
  for (const name of services) {
    const service = topology.services[name];
    if (service?.image.kind === 'build') buildTag(topology.project, service).catch(() => undefined);
  }
}

/**
 * Resolve (and unless dry-run, build or pull) the images of `services`, and of `others`: images
 * that are no topology service's (the edge proxy's), keyed by their own name.
 */
export async function resolveImages(
  engine: Engine,
  topology: Topology,
  services: string[],
  options: ImageOptions,
  others: { name: string; ref: string }[] = [],
): Promise<ImageResolution> {
  const images = new Map<string, ResolvedImage>();
  const changed: ImageResolution['changed'] = [];
  const shipper = createShipper(engine, options);
  // Services sharing an image (both databases) look it up once.
  const looks = new Map<string, ReturnType<Engine['inspectImage']>>();
  const look = (ref: string) => {
    let found = looks.get(ref);
    if (!found) {
      found = engine.inspectImage(ref);
      looks.set(ref, found);
    }
    return found;
  };
  await Promise.all([
    ...services.map(async (name) => {
      const service = topology.services[name];
      if (!service) return;
      const resolved =
        service.image.kind === 'build'
          ? await resolveBuild(engine, topology.project, service, options, changed, shipper)
          : await resolvePull(engine, look, service.image.ref, name, options, changed, shipper);
      images.set(name, resolved);
    }),
    ...others.map(async ({ name, ref }) =>
      images.set(name, await resolvePull(engine, look, ref, name, options, changed, shipper)),
    ),
  ]);
  return { images, changed, shipped: shipper.results };
}

type Shipper = ReturnType<typeof createShipper>;

/**
 * Shipments to one target run one after another, each updating the set of layers the target
 * holds, so layers shared between images (the Node base) cross the network once.
 */
function createShipper(target: Engine, options: ImageOptions) {
  let queue: Promise<unknown> = Promise.resolve();
  let present: Promise<Set<string>> | undefined;
  const results: ShipResult[] = [];
  // One shipment per image: services sharing an image (both databases) wait for the same one
  // rather than export it again to find every layer there already.
  const shipping = new Map<string, Promise<void>>();
  const ship = (source: Engine, ref: string, service: string): Promise<void> => {
    const already = shipping.get(ref);
    if (already) return already;
    const run = async () => {
      present ??= chainIdsOn(target);
      const known = await present;
      const id = `ship:${ref}`;
      const started = Date.now();
      const text = `ship image ${ref} to ${target.hostName}`;
      options.onEvent({ type: 'op-start', id, service, text });
      try {
        // Loaded on first shipment: an up with nothing to ship never loads the tar libraries.
        const { shipImage } = await import('../ship/ship.ts');
        const result = await shipImage(source, target, ref, {
          present: known,
          ...(options.packs ? { packs: options.packs } : {}),
          onProgress: (t) => options.onEvent({ type: 'op-progress', id, text: t }),
        });
        const image = await target.inspectImage(ref);
        for (const chain of chainIds(image?.layers ?? [])) known.add(chain);
        results.push(result);
        options.onEvent({
          type: 'op-done',
          id,
          text: `${text}: ${result.layersSent}/${result.layersTotal} layers, ${formatBytes(result.wireBytes)} sent`,
          ms: Date.now() - started,
        });
      } catch (error) {
        options.onEvent({
          type: 'op-failed',
          id,
          text,
          error: error instanceof Error ? error.message : String(error),
        });
        throw error;
      }
    };
    const next = queue.then(run, run);
    queue = next.catch(() => undefined);
    shipping.set(ref, next);
    return next;
  };
  return { ship, results };
}

async function resolveBuild(
  engine: Engine,
  project: string,
  service: Service,
  options: ImageOptions,
  changed: ImageResolution['changed'],
  shipper: Shipper,
): Promise<ResolvedImage> {
  if (service.image.kind !== 'build') throw new Error('bug');
  const { tag } = await buildTag(project, service);
  const existing = options.forceBuild ? undefined : await engine.inspectImage(tag);
  if (existing) return { ref: tag, id: existing.id, healthTest: existing.healthcheck?.test };
  if (!options.builder) return buildOn(engine, project, service, options, changed);
  // Remote target: build on the operator's engine (cache there), then ship the missing layers.
  const local = options.forceBuild ? undefined : await options.builder.inspectImage(tag);
  if (!local) await buildOn(options.builder, project, service, options, changed);
  changed.push({ service: service.name, action: 'ship', ref: tag });
  if (options.dryRun)
    return {
      ref: tag,
      id: local?.id ?? `(to be built: ${tag})`,
      healthTest: local?.healthcheck?.test,
    };
  await shipper.ship(options.builder, tag, service.name);
  const shipped = await engine.inspectImage(tag);
  if (!shipped)
    throw new RuntimeError(`image ${tag} is missing on ${engine.hostName} right after shipping it`);
  return { ref: tag, id: shipped.id, healthTest: shipped.healthcheck?.test };
}

async function buildOn(
  engine: Engine,
  project: string,
  service: Service,
  options: ImageOptions,
  changed: ImageResolution['changed'],
): Promise<ResolvedImage> {
  if (service.image.kind !== 'build') throw new Error('bug');
  const { tag, digest } = await buildTag(project, service);
  changed.push({ service: service.name, action: 'build', ref: tag });
  if (options.dryRun) return { ref: tag, id: `(to be built: ${tag})`, healthTest: undefined };
  const id = `build:${service.name}`;
  const started = Date.now();
  options.onEvent({ type: 'op-start', id, service: service.name, text: `build image ${tag}` });
  const files = await listContext(service.image.context, service.image.dockerfile);
  const { contextTar } = await import('./context-tar.ts');
  try {
    await engine.buildImage(contextTar(files), {
      tag,
      dockerfile: service.image.dockerfile,
      args: service.image.args,
      target: service.image.target,
      noCache: options.noCache,
      labels: {
        [LABEL.project]: project,
        [LABEL.service]: service.name,
        [LABEL.contextDigest]: digest,
      },
      onProgress: (line) => options.onEvent({ type: 'op-progress', id, text: line.text }),
    });
  } catch (error) {
    options.onEvent({ type: 'op-failed', id, text: `build image ${tag}`, error: String(error) });
    throw error;
  }
  const built = await engine.inspectImage(tag);
  if (!built)
    throw new RuntimeError(
      `built image ${tag} is missing on ${engine.hostName} right after the build`,
    );
  options.onEvent({ type: 'op-done', id, text: `build image ${tag}`, ms: Date.now() - started });
  return { ref: tag, id: built.id, healthTest: built.healthcheck?.test };
}

async function resolvePull(
  engine: Engine,
  look: (ref: string) => ReturnType<Engine['inspectImage']>,
  ref: string,
  service: string,
  options: ImageOptions,
  changed: ImageResolution['changed'],
  shipper: Shipper,
): Promise<ResolvedImage> {
  const existing = await look(ref);
  if (existing) return { ref, id: existing.id, healthTest: existing.healthcheck?.test };
  changed.push({ service, action: 'pull', ref });
  if (options.dryRun) return { ref, id: `(to be pulled: ${ref})`, healthTest: undefined };
  const id = `pull:${ref}`;
  const started = Date.now();
  options.onEvent({ type: 'op-start', id, service, text: `pull image ${ref}` });
  try {
    await engine.pullImage(ref, (line) =>
      options.onEvent({ type: 'op-progress', id, text: line.text }),
    );
  } catch (error) {
    const reason = error instanceof EngineError ? error.message : String(error);
    const local = options.builder ? await options.builder.inspectImage(ref) : undefined;
    if (options.builder && local) {
      // Not a failure: a host without a registry is what shipping is for (a ✗ line here read
      // as an error in every deploy to such hosts).
      options.onEvent({
        type: 'op-done',
        id,
        text: `${engine.hostName} cannot pull ${ref}; shipping it from ${options.builder.hostName} instead`,
        ms: Date.now() - started,
      });
      changed.push({ service, action: 'ship', ref });
      await shipper.ship(options.builder, ref, service);
      const shipped = await engine.inspectImage(ref);
      if (shipped) return { ref, id: shipped.id, healthTest: shipped.healthcheck?.test };
    }
    options.onEvent({ type: 'op-failed', id, text: `pull image ${ref}`, error: reason });
    throw new RuntimeError(
      `image ${ref} (service ${service}) is not on ${engine.hostName} and cannot be pulled: ${reason}`,
      {
        hint: `Load it onto the host (docker load), make the registry reachable, or change services.${service}.image.`,
      },
    );
  }
  const pulled = await engine.inspectImage(ref);
  if (!pulled)
    throw new RuntimeError(`image ${ref} is missing on ${engine.hostName} right after the pull`);
  options.onEvent({ type: 'op-done', id, text: `pull image ${ref}`, ms: Date.now() - started });
  return { ref, id: pulled.id, healthTest: pulled.healthcheck?.test };
}

/** Build the images of `build:` services on `engine` now (`notesctl build`), whatever exists. */
export async function buildServices(
  engine: Engine,
  topology: Topology,
  services: string[],
  options: { noCache: boolean; onEvent: (event: ApplyEvent) => void },
): Promise<{ service: string; ref: string; id: string }[]> {
  const result = await resolveImages(engine, topology, services, {
    forceBuild: true,
    noCache: options.noCache,
    dryRun: false,
    onEvent: options.onEvent,
  });
  return [...result.images].map(([service, image]) => ({ service, ref: image.ref, id: image.id }));
}
