/**
 * The Engine interface over the Docker API. The everyday calls with JSON answers, and the small
 * upload of secret files, go through api-request.ts (node:http); streams (build, pull, load,
 * save, logs, exec, wait) through dockerode, loaded on first use — a no-op `up`, a `ps` or a
 * cold `up` of images already there never loads it. The API version is pinned (1.41, Docker
 * 20.10+) so no request is spent negotiating it: every round trip counts over SSH.
 */
import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { Agent } from 'node:http';
import { splitLines, demuxFrames } from './demux.ts';
import { type ApiRequest, type ApiTarget, apiRequest, labelFilter, query } from './api-request.ts';
import type {
  BuildOptions,
  ContainerDetails,
  ContainerSpec,
  ContainerSummary,
  Engine,
  ExecOptions,
  ExitWatch,
  ImageSummary,
  Labels,
  LogLine,
  LogOptions,
  NetworkSummary,
  ProgressLine,
  VolumeSummary,
} from './engine.ts';
import { isNotFound, wrapEngineError } from './wrap-error.ts';
import { watchExits } from './exit-watch.ts';
import { LABEL } from '../model/names.ts';
import {
  orDefault,
  toContainerDetails,
  toContainerSummary,
  toCreateOptions,
  toImageSummary,
} from './docker-shapes.ts';

/** Docker API version notesctl speaks (Docker 20.10 and newer). */
export const API_VERSION = 'v1.41';
const PREFIX = `/${API_VERSION}`;

/** How to reach the engine: a local socket, or an HTTP agent (SSH channels). */
export type Transport =
  | { kind: 'socket'; socketPath: string }
  | { kind: 'agent'; agent: Agent; describe: string; close: () => Promise<void> };

/** Path segment for a name or id (image references keep their `/`, as the API expects). */
const seg = (value: string): string => encodeURI(value);

/** An Engine over the Docker API. */
export class DockerEngine implements Engine {
  readonly hostName: string;
  private readonly transport: Transport;
  private readonly target: ApiTarget;
  private dockerode: Promise<Docker> | undefined;

  constructor(hostName: string, transport: Transport) {
    this.hostName = hostName;
    this.transport = transport;
    this.target =
      transport.kind === 'socket'
        ? { socketPath: transport.socketPath }
        : { agent: transport.agent };
  }

  /** dockerode, for the streaming calls (loaded once, on first use). */
  private docker(): Promise<Docker> {
    this.dockerode ??= import('dockerode').then(({ default: Dockerode }) =>
      this.transport.kind === 'socket'
        ? new Dockerode({ socketPath: this.transport.socketPath, version: API_VERSION })
        : new Dockerode({
            protocol: 'http',
            host: 'docker',
            port: 80,
            agent: this.transport.agent,
            version: API_VERSION,
          } as Docker.DockerOptions),
    );
    return this.dockerode;
  }

  /** dockerode and the calls that stream through it, loaded together on first use. */
  private streams(): Promise<[Docker, typeof import('./docker-stream-calls.ts')]> {
    return Promise.all([this.docker(), import('./docker-stream-calls.ts')]);
  }

  /** One JSON call through api-request.ts. */
  private api<T>(call: ApiRequest): Promise<T> {
    return apiRequest<T>(this.target, PREFIX, call);
  }

  /** One JSON call, wrapped (the Swarm calls in swarm-*.ts). */
  request<T>(operation: string, resource: string | undefined, call: ApiRequest): Promise<T> {
    return this.call(operation, resource, () => this.api<T>(call));
  }

  private async call<T>(
    operation: string,
    resource: string | undefined,
    fn: () => Promise<T>,
  ): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw wrapEngineError(error, {
        host: this.hostName,
        operation,
        resource,
        endpoint:
          this.transport.kind === 'socket' ? this.transport.socketPath : this.transport.describe,
      });
    }
  }

  async ping(): Promise<void> {
    await this.call('ping', undefined, () => this.api({ method: 'GET', path: '/_ping' }));
  }

  async systemTime(): Promise<Date> {
    const info = await this.call('read the clock of', undefined, () =>
      this.api<{ SystemTime: string }>({ method: 'GET', path: '/info' }),
    );
    return new Date(info.SystemTime);
  }

  async version() {
    const v = await this.call('version', undefined, () =>
      this.api<{ Version: string; ApiVersion: string; Os: string; Arch: string }>({
        method: 'GET',
        path: '/version',
      }),
    );
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async listContainers(labels: Labels): Promise<ContainerSummary[]> {
    const list = await this.call('list containers', undefined, () =>
      this.api<Docker.ContainerInfo[]>({
        method: 'GET',
        // Images notesctl builds carry the project and service labels, and containers inherit an
        // image's labels: only the containers notesctl created carry a config hash.
        path: `/containers/json${query({ all: true, filters: labelFilter(labels, [LABEL.configHash]) })}`,
      }),
    );
    return list.map(toContainerSummary);
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    const info = await this.call('inspect container', id, () =>
      this.api<Docker.ContainerInspectInfo>({ method: 'GET', path: `/containers/${seg(id)}/json` }),
    );
    return toContainerDetails(info);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const { name, ...body } = toCreateOptions(spec);
    const created = await this.call('create container', spec.name, () =>
      this.api<{ Id: string }>({
        method: 'POST',
        path: `/containers/create${query({ name })}`,
        body,
      }),
    );
    return created.Id;
  }

  async connectNetwork(network: string, containerId: string, aliases: string[]): Promise<void> {
    await this.call('connect network', `${network} ← ${containerId.slice(0, 12)}`, () =>
      this.api({
        method: 'POST',
        path: `/networks/${seg(network)}/connect`,
        body: { Container: containerId, EndpointConfig: { Aliases: aliases } },
      }),
    );
  }

  async putFiles(
    containerId: string,
    directory: string,
    files: { name: string; content: Buffer; mode: number; uid: number; gid: number }[],
  ): Promise<void> {
    const { filesTar } = await import('./docker-streams.ts');
    const archive = await filesTar(directory, files);
    // Through api-request.ts, not dockerode: a cold `up` needs nothing else of dockerode, and
    // loading it would sit on the first service's path to its start.
    await this.call('copy files into', containerId.slice(0, 12), () =>
      this.api({
        method: 'PUT',
        path: `/containers/${seg(containerId)}/archive${query({ path: '/' })}`,
        raw: { contentType: 'application/x-tar', data: archive },
      }),
    );
  }

  async startContainer(id: string): Promise<void> {
    // 304: already started.
    await this.call('start container', id.slice(0, 12), () =>
      this.api({ method: 'POST', path: `/containers/${seg(id)}/start`, accept: [304] }),
    );
  }

  watchExits(labels: Labels): ExitWatch {
    return watchExits(this.target, PREFIX, labels);
  }

  async stopContainer(id: string, timeoutS: number): Promise<void> {
    // 304: already stopped.
    await this.call('stop container', id.slice(0, 12), () =>
      this.api({
        method: 'POST',
        path: `/containers/${seg(id)}/stop${query({ t: timeoutS })}`,
        accept: [304],
      }),
    );
  }

  async removeContainer(id: string, options?: { force?: boolean }): Promise<void> {
    await this.call('remove container', id.slice(0, 12), () =>
      this.api({
        method: 'DELETE',
        path: `/containers/${seg(id)}${query({ force: options?.force ?? false, v: false })}`,
      }),
    );
  }

  async waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    const docker = await this.docker();
    const result = (await this.call('wait for container', id.slice(0, 12), () =>
      docker.getContainer(id).wait({ abortSignal: signal } as object),
    )) as { StatusCode: number };
    return result.StatusCode;
  }

  async *logs(id: string, options: LogOptions): AsyncIterable<LogLine> {
    const docker = await this.docker();
    const stream = (await this.call('read logs of', id.slice(0, 12), () =>
      docker.getContainer(id).logs({
        follow: options.follow as true,
        stdout: true,
        stderr: true,
        tail: options.tail ?? 'all',
        since: options.since ?? 0,
        timestamps: options.timestamps,
        abortSignal: options.signal,
      } as Docker.ContainerLogsOptions & { follow: true }),
    )) as unknown as Readable | Buffer;
    const source: AsyncIterable<Buffer> | Iterable<Buffer> = Buffer.isBuffer(stream)
      ? [stream]
      : (stream as AsyncIterable<Buffer>);
    try {
      yield* splitLines(demuxFrames(source));
    } catch (error) {
      if (options.signal?.aborted) return;
      throw wrapEngineError(error, {
        host: this.hostName,
        operation: 'read logs of',
        resource: id.slice(0, 12),
      });
    }
  }

  async exec(id: string, options: ExecOptions): Promise<number> {
    const [docker, calls] = await this.streams();
    return this.call('exec in', id.slice(0, 12), () => calls.execIn(docker, id, options));
  }

  async readFile(id: string, path: string): Promise<Buffer | undefined> {
    const [docker, calls] = await this.streams();
    return this.call('read file from', `${id.slice(0, 12)}:${path}`, () =>
      calls.readFileIn(docker, id, path),
    );
  }

  async readArchive(id: string, path: string): Promise<Readable> {
    const [docker, calls] = await this.streams();
    return this.call('read archive from', `${id.slice(0, 12)}:${path}`, () =>
      calls.archiveOf(docker, id, path),
    );
  }

  async putArchive(id: string, path: string, tar: Readable): Promise<void> {
    const [docker, calls] = await this.streams();
    await this.call('extract archive into', `${id.slice(0, 12)}:${path}`, () =>
      calls.putArchiveInto(docker, id, path, tar),
    );
  }

  async setPaused(id: string, paused: boolean): Promise<void> {
    const action = paused ? 'pause' : 'unpause';
    await this.call(`${action} container`, id.slice(0, 12), () =>
      this.api({ method: 'POST', path: `/containers/${seg(id)}/${action}` }),
    );
  }

  async disconnectNetwork(network: string, containerId: string): Promise<void> {
    await this.call('disconnect network', `${network} ↛ ${containerId.slice(0, 12)}`, () =>
      this.api({
        method: 'POST',
        path: `/networks/${seg(network)}/disconnect`,
        body: { Container: containerId, Force: true },
      }),
    );
  }

  async listNetworks(labels: Labels): Promise<NetworkSummary[]> {
    const list = await this.call('list networks', undefined, () =>
      this.api<Docker.NetworkInspectInfo[]>({
        method: 'GET',
        path: `/networks${query({ filters: labelFilter(labels) })}`,
      }),
    );
    return list.map((n) => ({
      id: n.Id,
      name: n.Name,
      internal: n.Internal,
      labels: n.Labels ?? {},
      containers: Object.keys(n.Containers ?? {}),
    }));
  }

  async createNetwork(spec: { name: string; internal: boolean; labels: Labels }): Promise<string> {
    const network = await this.call('create network', spec.name, () =>
      this.api<{ Id: string }>({
        method: 'POST',
        path: '/networks/create',
        body: {
          Name: spec.name,
          Driver: 'bridge',
          Internal: spec.internal,
          Labels: spec.labels,
          CheckDuplicate: true,
        },
      }),
    );
    return network.Id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.call('remove network', id, () =>
      this.api({ method: 'DELETE', path: `/networks/${seg(id)}` }),
    );
  }

  async listVolumes(labels: Labels): Promise<VolumeSummary[]> {
    const result = await this.call('list volumes', undefined, () =>
      this.api<{ Volumes: { Name: string; Labels: Labels | null }[] | null }>({
        method: 'GET',
        path: `/volumes${query({ filters: labelFilter(labels) })}`,
      }),
    );
    // Docker sends null for an empty list or label set.
    return (result.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async createVolume(spec: { name: string; labels: Labels }): Promise<void> {
    await this.call('create volume', spec.name, () =>
      this.api({
        method: 'POST',
        path: '/volumes/create',
        body: { Name: spec.name, Labels: spec.labels },
      }),
    );
  }

  async removeVolume(name: string): Promise<void> {
    await this.call('remove volume', name, () =>
      this.api({ method: 'DELETE', path: `/volumes/${seg(name)}` }),
    );
  }

  async listImages(): Promise<{ id: string; tags: string[] }[]> {
    const list = await this.call('list images', undefined, () =>
      this.api<Docker.ImageInfo[]>({ method: 'GET', path: `/images/json${query({ all: false })}` }),
    );
    return list.map((i) => ({ id: i.Id, tags: orDefault<string[]>(i.RepoTags, []) }));
  }

  async inspectImage(ref: string): Promise<ImageSummary | undefined> {
    try {
      const info = await this.call('inspect image', ref, () =>
        this.api<Docker.ImageInspectInfo>({ method: 'GET', path: `/images/${seg(ref)}/json` }),
      );
      return toImageSummary(info);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async buildImage(context: Readable, options: BuildOptions): Promise<string> {
    const [docker, calls] = await this.streams();
    return this.call('build image', options.tag, () => calls.buildFrom(docker, context, options));
  }

  async pullImage(ref: string, onProgress?: (line: ProgressLine) => void): Promise<void> {
    const [docker, calls] = await this.streams();
    await this.call('pull image', ref, () => calls.pullInto(docker, ref, onProgress));
  }

  async tagImage(id: string, repo: string, tag: string): Promise<void> {
    await this.call('tag image', `${repo}:${tag}`, () =>
      this.api({ method: 'POST', path: `/images/${seg(id)}/tag${query({ repo, tag })}` }),
    );
  }

  async removeImage(ref: string): Promise<void> {
    await this.call('remove image', ref, () =>
      this.api({ method: 'DELETE', path: `/images/${seg(ref)}` }),
    );
  }

  async saveImages(refs: string[]): Promise<Readable> {
    const [docker, calls] = await this.streams();
    return this.call('export images', refs.join(' '), () => calls.saveFrom(docker, refs));
  }

  async importImage(rootfs: Buffer, ref: string, labels: Labels): Promise<void> {
    const [repo = ref, tag = 'latest'] = ref.split(':');
    const changes = Object.entries(labels).map(([k, v]) => `LABEL ${k}=${v}`);
    const q = `${query({ fromSrc: '-', repo, tag })}${changes.map((c) => `&changes=${encodeURIComponent(c)}`).join('')}`;
    await this.call('import image', ref, () =>
      this.api({
        method: 'POST',
        path: `/images/create${q}`,
        raw: { contentType: 'application/x-tar', data: rootfs },
      }),
    );
  }

  async loadImages(tar: Readable, onProgress?: (line: ProgressLine) => void): Promise<void> {
    const [docker, calls] = await this.streams();
    await this.call('load images', undefined, () => calls.loadInto(docker, tar, onProgress));
  }

  async close(): Promise<void> {
    if (this.transport.kind === 'agent') await this.transport.close();
  }
}
