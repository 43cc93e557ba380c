/**
 * What the in-memory engine (memory-engine.ts) holds, and the rules Docker 20.10 applies to it
 * where the layers above depend on them: a name in use is a 409, a missing object a 404, a start
 * whose network does not exist a 404 (the engine resolves networks at start, not at create), a
 * network with running containers a 403, a volume in use a 409. Failures are thrown shaped as the
 * API client throws them (`statusCode`, `json.message`), for wrap-error.ts to wrap. Ids are
 * numbered (`container-1`) and times fixed, so runs are deterministic.
 */
import type {
  ContainerDetails,
  ContainerSpec,
  ContainerSummary,
  ImageSummary,
  Labels,
  LogLine,
  NetworkSummary,
  VolumeSummary,
} from '../../src/engine/engine.ts';
import { LABEL } from '../../src/model/names.ts';

/** A container as the engine keeps it. */
export interface MemoryContainer {
  id: string;
  spec: ContainerSpec;
  state: 'created' | 'running' | 'exited';
  exitCode: number;
  /** Network name → aliases. */
  networks: Map<string, string[]>;
  /** Files put into it: absolute path → content and ownership. */
  files: Map<string, { content: Buffer; mode: number; uid: number; gid: number }>;
  /** What `logs` returns. */
  logs: LogLine[];
}

/** A file as putFiles receives it. */
export type PutFile = { name: string; content: Buffer; mode: number; uid: number; gid: number };

/** An error the engine answered with an HTTP status, shaped as the API client throws it. */
export function refused(status: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode: status, json: { message } });
}

/** True when `have` carries every label of `want`. */
export function hasLabels(have: Labels, want: Labels): boolean {
  return Object.entries(want).every(([k, v]) => have[k] === v);
}

/** Containers, networks, volumes and images, with the engine's rules. */
export class MemoryState {
  readonly containers = new Map<string, MemoryContainer>();
  readonly networks = new Map<string, Omit<NetworkSummary, 'containers'>>();
  readonly volumes = new Map<string, VolumeSummary>();
  readonly images = new Map<string, ImageSummary>();
  /** Called with each container whose process ends. */
  readonly exitListeners: ((container: MemoryContainer) => void)[] = [];
  private next = 0;

  /** The container with this id, or a 404. */
  container(id: string): MemoryContainer {
    // Docker takes a name wherever it takes an id.
    const container =
      this.containers.get(id) ?? [...this.containers.values()].find((c) => c.spec.name === id);
    if (!container) throw refused(404, `No such container: ${id}`);
    return container;
  }

  /** The network with this id or name, or a 404. */
  network(idOrName: string): Omit<NetworkSummary, 'containers'> {
    const network =
      this.networks.get(idOrName) ?? [...this.networks.values()].find((n) => n.name === idOrName);
    if (!network) throw refused(404, `network ${idOrName} not found`);
    return network;
  }

  /** The image with this id or tag (a bare name means `:latest`). */
  image(ref: string): ImageSummary | undefined {
    return (
      this.images.get(ref) ??
      [...this.images.values()].find(
        (i) => i.tags.includes(ref) || i.tags.includes(`${ref}:latest`),
      )
    );
  }

  /** The image with this id or tag, or a 404. */
  existingImage(ref: string): ImageSummary {
    const image = this.image(ref);
    if (!image) throw refused(404, `No such image: ${ref}`);
    return image;
  }

  /** Add an image tagged `ref`; returns its id. */
  addImage(ref: string, labels: Labels = {}): string {
    const id = `sha256:image-${++this.next}`;
    this.images.set(id, {
      id,
      tags: [ref],
      labels,
      sizeBytes: 0,
      layers: [],
      healthcheck: undefined,
    });
    return id;
  }

  /** The process of `container` ends; exit listeners hear of it. */
  end(container: MemoryContainer, exitCode: number): void {
    container.state = 'exited';
    container.exitCode = exitCode;
    for (const listener of [...this.exitListeners]) listener(container);
  }

  create(spec: ContainerSpec): string {
    const clash = [...this.containers.values()].find((c) => c.spec.name === spec.name);
    if (clash)
      throw refused(
        409,
        `Conflict. The container name "/${spec.name}" is already in use by container "${clash.id}"`,
      );
    this.existingImage(spec.image);
    // Docker creates a volume a mount names if it is not there (without labels).
    for (const m of spec.mounts)
      if (!this.volumes.has(m.volume)) this.volumes.set(m.volume, { name: m.volume, labels: {} });
    const id = `container-${++this.next}`;
    this.containers.set(id, {
      id,
      spec,
      state: 'created',
      exitCode: 0,
      networks: new Map(spec.network ? [[spec.network.name, spec.network.aliases]] : []),
      files: new Map(),
      logs: [],
    });
    return id;
  }

  connect(network: string, containerId: string, aliases: string[]): void {
    const { name } = this.network(network);
    const c = this.container(containerId);
    if (c.networks.has(name))
      throw refused(403, `endpoint with name ${c.spec.name} already exists in network ${name}`);
    c.networks.set(name, aliases);
  }

  disconnect(network: string, containerId: string): void {
    const { name } = this.network(network);
    const c = this.container(containerId);
    if (!c.networks.delete(name))
      throw refused(404, `container ${c.spec.name} is not connected to network ${name}`);
  }

  putFiles(containerId: string, directory: string, files: PutFile[]): void {
    const c = this.container(containerId);
    for (const { name, ...file } of files)
      c.files.set(`${directory.replace(/\/$/, '')}/${name}`, file);
  }

  start(id: string): void {
    const c = this.container(id);
    if (c.state === 'running') return; // 304: already started
    for (const name of c.networks.keys()) this.network(name);
    c.state = 'running';
  }

  stop(id: string): void {
    const c = this.container(id);
    if (c.state === 'running') this.end(c, 0); // 304 otherwise: already stopped
  }

  remove(id: string, force: boolean): void {
    const c = this.container(id);
    if (c.state === 'running' && !force)
      throw refused(409, `You cannot remove a running container ${id}. Stop it first`);
    if (c.state === 'running') this.end(c, 137);
    this.containers.delete(id);
  }

  createNetwork(spec: { name: string; internal: boolean; labels: Labels }): string {
    if ([...this.networks.values()].some((n) => n.name === spec.name))
      throw refused(409, `network with name ${spec.name} already exists`);
    const id = `network-${++this.next}`;
    this.networks.set(id, { id, ...spec });
    return id;
  }

  removeNetwork(idOrName: string): void {
    const n = this.network(idOrName);
    const attached = [...this.containers.values()].filter((c) => c.networks.has(n.name));
    if (attached.some((c) => c.state === 'running'))
      throw refused(
        403,
        `error while removing network: network ${n.name} id ${n.id} has active endpoints`,
      );
    for (const c of attached) c.networks.delete(n.name);
    this.networks.delete(n.id);
  }

  /** Docker answers a create of an existing volume with that volume, unchanged. */
  createVolume(spec: { name: string; labels: Labels }): void {
    if (!this.volumes.has(spec.name)) this.volumes.set(spec.name, { ...spec });
  }

  removeVolume(name: string): void {
    if (!this.volumes.has(name)) throw refused(404, `get ${name}: no such volume`);
    const users = [...this.containers.values()].filter((c) =>
      c.spec.mounts.some((m) => m.volume === name),
    );
    if (users.length > 0)
      throw refused(
        409,
        `remove ${name}: volume is in use - [${users.map((c) => c.id).join(', ')}]`,
      );
    this.volumes.delete(name);
  }

  /** Networks with these labels, with the containers attached to each. */
  listNetworks(labels: Labels): NetworkSummary[] {
    return [...this.networks.values()]
      .filter((n) => hasLabels(n.labels, labels))
      .map((n) => ({
        ...n,
        containers: [...this.containers.values()]
          .filter((c) => c.networks.has(n.name))
          .map((c) => c.id),
      }));
  }

  /** Containers notesctl created (they carry a config hash) with these labels. */
  listContainers(labels: Labels): ContainerSummary[] {
    return [...this.containers.values()]
      .filter((c) => LABEL.configHash in c.spec.labels && hasLabels(c.spec.labels, labels))
      .map((c) => this.summaryOf(c));
  }

  /**
   * Docker's own health status stays `starting` while a container with a healthcheck runs, as
   * during a real container's first interval (30 s by default), which a unit test never reaches.
   */
  private healthOf(c: MemoryContainer): ContainerSummary['health'] {
    return c.state === 'running' && c.spec.healthcheck ? 'starting' : undefined;
  }

  private summaryOf(c: MemoryContainer): ContainerSummary {
    const running = c.state === 'running';
    return {
      id: c.id,
      name: c.spec.name,
      image: c.spec.image,
      imageId: this.image(c.spec.image)?.id ?? '',
      labels: c.spec.labels,
      state: c.state,
      status: running
        ? `Up 1 second${c.spec.healthcheck ? ' (health: starting)' : ''}`
        : c.state === 'exited'
          ? `Exited (${c.exitCode}) 1 second ago`
          : 'Created',
      health: this.healthOf(c),
      exitCode: c.state === 'exited' ? c.exitCode : undefined,
      createdAt: new Date(0),
      ports: running
        ? c.spec.portBindings.map((b) => ({
            hostIp: b.hostIp,
            hostPort: b.hostPort,
            containerPort: Number.parseInt(b.containerPort, 10),
            protocol: b.containerPort.split('/')[1] ?? 'tcp',
          }))
        : [],
      networks: [...c.networks.keys()],
    };
  }

  inspect(id: string): ContainerDetails {
    const c = this.container(id);
    return {
      id: c.id,
      name: c.spec.name,
      labels: c.spec.labels,
      running: c.state === 'running',
      status: c.state,
      exitCode: c.exitCode,
      startedAt: c.state === 'created' ? undefined : new Date(0),
      health: this.healthOf(c),
      healthLog: [],
      restartCount: 0,
      env: c.spec.env,
      user: c.spec.user ?? '',
      // The memory engine hands out no addresses (nothing connects to its containers).
      addresses: {},
    };
  }
}
