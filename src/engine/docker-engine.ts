/**
 * The Engine interface implemented with dockerode. The API version is pinned (1.41, Docker
 * 20.10+) so no request is spent negotiating it: every round trip counts over SSH.
 */
import Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import type { Agent } from 'node:http';
import { splitLines, demuxFrames } from './demux.ts';
import { filesTar, followProgress, orDefault, pumpExec, toProgress } from './docker-streams.ts';
import type {
  BuildOptions,
  ContainerDetails,
  ContainerSpec,
  ContainerSummary,
  Engine,
  ExecOptions,
  ImageSummary,
  Labels,
  LogLine,
  LogOptions,
  NetworkSummary,
  ProgressLine,
  VolumeSummary,
} from './engine.ts';
import { isNotFound, wrapEngineError } from './wrap-error.ts';
import { LABEL } from '../model/names.ts';
import { toContainerDetails, toContainerSummary, toCreateOptions } from './docker-shapes.ts';

/** Docker API version notesctl speaks (Docker 20.10 and newer). */
export const API_VERSION = 'v1.41';

/** How to reach the engine: a local socket, or an HTTP agent (SSH channels). */
export type Transport =
  | { kind: 'socket'; socketPath: string }
  | { kind: 'agent'; agent: Agent; describe: string; close: () => Promise<void> };

function labelFilter(labels: Labels, present: string[] = []): string {
  return JSON.stringify({
    label: [...Object.entries(labels).map(([k, v]) => `${k}=${v}`), ...present],
  });
}

/** An Engine backed by dockerode. */
export class DockerEngine implements Engine {
  readonly hostName: string;
  private readonly docker: Docker;
  private readonly transport: Transport;

  constructor(hostName: string, transport: Transport) {
    this.hostName = hostName;
    this.transport = transport;
    this.docker =
      transport.kind === 'socket'
        ? new Docker({ socketPath: transport.socketPath, version: API_VERSION })
        : new Docker({
            protocol: 'http',
            host: 'docker',
            port: 80,
            agent: transport.agent,
            version: API_VERSION,
          } as Docker.DockerOptions);
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
    await this.call('ping', undefined, () => this.docker.ping());
  }

  async version() {
    const v = await this.call('version', undefined, () => this.docker.version());
    return { version: v.Version, apiVersion: v.ApiVersion, os: v.Os, arch: v.Arch };
  }

  async listContainers(labels: Labels): Promise<ContainerSummary[]> {
    const list = await this.call('list containers', undefined, () =>
      this.docker.listContainers({
        all: true,
        // Images notesctl builds carry the project and service labels, and containers inherit an
        // image's labels: only the containers notesctl created carry a config hash.
        filters: labelFilter(labels, [LABEL.configHash]),
      }),
    );
    return list.map(toContainerSummary);
  }

  async inspectContainer(id: string): Promise<ContainerDetails> {
    const info = await this.call('inspect container', id, () =>
      this.docker.getContainer(id).inspect(),
    );
    return toContainerDetails(info);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const created = await this.call('create container', spec.name, () =>
      this.docker.createContainer(toCreateOptions(spec)),
    );
    return created.id;
  }

  async connectNetwork(network: string, containerId: string, aliases: string[]): Promise<void> {
    await this.call('connect network', `${network} ← ${containerId.slice(0, 12)}`, () =>
      this.docker
        .getNetwork(network)
        .connect({ Container: containerId, EndpointConfig: { Aliases: aliases } }),
    );
  }

  async putFiles(
    containerId: string,
    directory: string,
    files: { name: string; content: Buffer; mode: number; uid: number; gid: number }[],
  ): Promise<void> {
    const archive = await filesTar(directory, files);
    await this.call('copy files into', containerId.slice(0, 12), () =>
      this.docker.getContainer(containerId).putArchive(archive, { path: '/' }),
    );
  }

  async startContainer(id: string): Promise<void> {
    await this.call('start container', id.slice(0, 12), async () => {
      try {
        await this.docker.getContainer(id).start();
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 304) return; // already started
        throw error;
      }
    });
  }

  async stopContainer(id: string, timeoutS: number): Promise<void> {
    await this.call('stop container', id.slice(0, 12), async () => {
      try {
        await this.docker.getContainer(id).stop({ t: timeoutS });
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 304) return; // already stopped
        throw error;
      }
    });
  }

  async removeContainer(id: string, options?: { force?: boolean }): Promise<void> {
    await this.call('remove container', id.slice(0, 12), () =>
      this.docker.getContainer(id).remove({ force: options?.force ?? false, v: false }),
    );
  }

  async waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    const result = (await this.call('wait for container', id.slice(0, 12), () =>
      this.docker.getContainer(id).wait({ abortSignal: signal } as object),
    )) as { StatusCode: number };
    return result.StatusCode;
  }

  async *logs(id: string, options: LogOptions): AsyncIterable<LogLine> {
    const stream = (await this.call('read logs of', id.slice(0, 12), () =>
      this.docker.getContainer(id).logs({
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
    return this.call('exec in', id.slice(0, 12), async () => {
      const container = this.docker.getContainer(id);
      const exec = await container.exec({
        Cmd: options.cmd,
        User: options.user ?? '',
        Env: options.env ?? [],
        Tty: options.tty ?? false,
        AttachStdin: options.stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
      });
      const stream = await exec.start({
        hijack: true,
        stdin: options.stdin !== undefined,
        Tty: options.tty ?? false,
      });
      const done = pumpExec(stream, options);
      if (options.stdin) {
        options.stdin.pipe(stream, { end: false });
        options.stdin.on('end', () => (stream as unknown as { end(): void }).end());
      }
      await done;
      const info = await exec.inspect();
      return info.ExitCode ?? 1;
    });
  }

  async listNetworks(labels: Labels): Promise<NetworkSummary[]> {
    const list = await this.call('list networks', undefined, () =>
      this.docker.listNetworks({ filters: labelFilter(labels) }),
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
      this.docker.createNetwork({
        Name: spec.name,
        Driver: 'bridge',
        Internal: spec.internal,
        Labels: spec.labels,
        CheckDuplicate: true,
      }),
    );
    return network.id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.call('remove network', id, () => this.docker.getNetwork(id).remove());
  }

  async listVolumes(labels: Labels): Promise<VolumeSummary[]> {
    const result = await this.call('list volumes', undefined, () =>
      this.docker.listVolumes({ filters: labelFilter(labels) }),
    );
    // Docker sends null for an empty list or label set, whatever the typings say.
    const volumes = result.Volumes as typeof result.Volumes | null;
    return (volumes ?? []).map((v) => ({
      name: v.Name,
      labels: (v.Labels as Labels | null) ?? {},
    }));
  }

  async createVolume(spec: { name: string; labels: Labels }): Promise<void> {
    await this.call('create volume', spec.name, () =>
      this.docker.createVolume({ Name: spec.name, Labels: spec.labels }),
    );
  }

  async removeVolume(name: string): Promise<void> {
    await this.call('remove volume', name, () => this.docker.getVolume(name).remove());
  }

  async listImages(): Promise<{ id: string; tags: string[] }[]> {
    const list = await this.call('list images', undefined, () =>
      this.docker.listImages({ all: false }),
    );
    return list.map((i) => ({ id: i.Id, tags: orDefault<string[]>(i.RepoTags, []) }));
  }

  async inspectImage(ref: string): Promise<ImageSummary | undefined> {
    try {
      const info = await this.call('inspect image', ref, () => this.docker.getImage(ref).inspect());
      const test = info.Config.Healthcheck?.Test;
      return {
        id: info.Id,
        tags: orDefault<string[]>(info.RepoTags, []),
        labels: orDefault<Labels>(info.Config.Labels, {}),
        sizeBytes: info.Size,
        layers: (info.RootFS.Layers as string[] | null | undefined) ?? [],
        healthcheck: test && test.length > 0 && test[0] !== 'NONE' ? { test } : undefined,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async buildImage(context: Readable, options: BuildOptions): Promise<string> {
    return this.call('build image', options.tag, async () => {
      const stream = await this.docker.buildImage(context, {
        t: options.tag,
        dockerfile: options.dockerfile,
        buildargs: options.args,
        labels: options.labels,
        nocache: options.noCache,
        rm: true,
        forcerm: true,
        ...(options.target ? { target: options.target } : {}),
      });
      let imageId: string | undefined;
      await followProgress(this.docker.modem, stream, (event) => {
        const aux = event.aux as { ID?: string } | undefined;
        if (aux?.ID) imageId = aux.ID;
        if (typeof event.stream === 'string') {
          for (const line of event.stream.split('\n'))
            if (line.trim() !== '') options.onProgress?.({ text: line });
        }
      });
      if (imageId) return imageId;
      const image = await this.docker.getImage(options.tag).inspect();
      return image.Id;
    });
  }

  async pullImage(ref: string, onProgress?: (line: ProgressLine) => void): Promise<void> {
    await this.call('pull image', ref, async () => {
      const stream = await this.docker.pull(ref);
      await followProgress(this.docker.modem, stream, (event) => onProgress?.(toProgress(event)));
    });
  }

  async tagImage(id: string, repo: string, tag: string): Promise<void> {
    await this.call('tag image', `${repo}:${tag}`, () =>
      this.docker.getImage(id).tag({ repo, tag }),
    );
  }

  async removeImage(ref: string): Promise<void> {
    await this.call('remove image', ref, () => this.docker.getImage(ref).remove());
  }

  async saveImages(refs: string[]): Promise<Readable> {
    const stream = await this.call('export images', refs.join(' '), () =>
      (
        this.docker as unknown as { getImages(o: object): Promise<NodeJS.ReadableStream> }
      ).getImages({ names: refs }),
    );
    return stream as unknown as Readable;
  }

  async loadImages(tar: Readable, onProgress?: (line: ProgressLine) => void): Promise<void> {
    await this.call('load images', undefined, async () => {
      const body = new PassThrough();
      tar.pipe(body);
      const stream = await this.docker.loadImage(body, { quiet: false });
      await followProgress(this.docker.modem, stream, (event) => onProgress?.(toProgress(event)));
    });
  }

  async close(): Promise<void> {
    if (this.transport.kind === 'agent') await this.transport.close();
  }
}
