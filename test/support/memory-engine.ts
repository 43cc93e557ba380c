/**
 * An Engine kept in memory, for unit tests of what runs above src/engine (issue 18 §4): the
 * executor, observe, the in-flight list. What it holds and Docker's rules about it are in
 * memory-engine-state.ts; errors leave wrapped by the real wrap-error.ts, naming host, operation
 * and resource (here a name, where the real engine gives a short id).
 *
 * Every call is recorded (memory-engine-calls.ts). A test steers it with `failNext` (an HTTP
 * status, or a link that broke before the answer), `hold` (a gate the test opens), `checks`
 * (what a service's healthcheck answers through exec) and `exit` (a container's process ends).
 * Docker's own health status stays `starting`, so readiness is decided by the exec'd checks.
 */
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
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
  VolumeSummary,
} from '../../src/engine/engine.ts';
import { wrapEngineError } from '../../src/engine/wrap-error.ts';
import { LABEL } from '../../src/model/names.ts';
import {
  CallLog,
  type CallMatch,
  type EngineMethod,
  type Fault,
  type Gate,
} from './memory-engine-calls.ts';
import {
  MemoryState,
  hasLabels,
  refused,
  type MemoryContainer,
  type PutFile,
} from './memory-engine-state.ts';

/** The operation words of the real engine's error messages (docker-engine.ts). */
const OPERATION: Record<EngineMethod, string> = {
  ping: 'ping',
  request: 'request',
  version: 'version',
  listContainers: 'list containers',
  inspectContainer: 'inspect container',
  createContainer: 'create container',
  connectNetwork: 'connect network',
  putFiles: 'copy files into',
  readFile: 'read file from',
  readArchive: 'read archive from',
  putArchive: 'extract archive into',
  systemTime: 'read the clock of',
  importImage: 'import image',
  setPaused: 'pause container',
  disconnectNetwork: 'disconnect network',
  startContainer: 'start container',
  stopContainer: 'stop container',
  removeContainer: 'remove container',
  watchExits: 'watch exits',
  waitContainer: 'wait for container',
  logs: 'read logs of',
  exec: 'exec in',
  listNetworks: 'list networks',
  createNetwork: 'create network',
  removeNetwork: 'remove network',
  listVolumes: 'list volumes',
  createVolume: 'create volume',
  removeVolume: 'remove volume',
  listImages: 'list images',
  inspectImage: 'inspect image',
  buildImage: 'build image',
  pullImage: 'pull image',
  tagImage: 'tag image',
  removeImage: 'remove image',
  saveImages: 'export images',
  loadImages: 'load images',
  close: 'close',
};

/** What a recorded call is about: a resource's name, and the service of a container. */
type About = { name?: string | undefined; service?: string | undefined };

/** An in-memory Engine; see the module comment. */
export class MemoryEngine implements Engine {
  readonly hostName: string;
  /** Every call received, and the faults and gates waiting for the next ones. */
  readonly log = new CallLog();
  /** What the engine holds. */
  readonly state = new MemoryState();
  /** Exit code each service's healthcheck answers through exec (0 unless set). */
  private readonly checkAnswers = new Map<string, number>();

  /** An engine named `hostName` that has the images `images` (tags). */
  constructor(hostName = 'local', images: string[] = []) {
    this.hostName = hostName;
    for (const ref of images) this.state.addImage(ref);
  }

  /** The next call `match` names fails with `fault`. */
  failNext(match: CallMatch, fault: Fault): void {
    this.log.failNext(match, fault);
  }

  /** Hold the calls `match` names until the returned gate lets them through. */
  hold(match: CallMatch): Gate {
    return this.log.hold(match);
  }

  /** From now on, `service`'s healthcheck (run through exec) exits with `exitCode`. */
  checks(service: string, exitCode: number): void {
    this.checkAnswers.set(service, exitCode);
  }

  /** The one container of `service` (or named so); throws when there is none or several. */
  container(serviceOrName: string): MemoryContainer {
    const found = [...this.state.containers.values()].filter(
      (c) => c.spec.name === serviceOrName || c.spec.labels[LABEL.service] === serviceOrName,
    );
    const [container] = found;
    if (found.length !== 1 || !container)
      throw new Error(`expected one container of ${serviceOrName}, found ${found.length}`);
    return container;
  }

  /** The process of `serviceOrName`'s container ends with `exitCode` (watchers hear of it). */
  exit(serviceOrName: string, exitCode = 0): void {
    this.state.end(this.container(serviceOrName), exitCode);
  }

  /**
   * One call: recorded, held while a gate says so, failed when a fault is set for it, else
   * `effect` on the state. Errors leave wrapped as the real engine's do.
   */
  private async call<T>(
    method: EngineMethod,
    about: About,
    args: unknown[],
    effect: () => T | Promise<T>,
  ): Promise<T> {
    const { call, fault } = await this.log.enter(method, about.name, about.service, args);
    const details = { host: this.hostName, operation: OPERATION[method], resource: about.name };
    if (fault && 'lostLink' in fault) {
      // No answer comes: the call stays in flight in the log, whether or not it landed.
      if (fault.landed === true)
        await Promise.resolve()
          .then(effect)
          .catch(() => undefined);
      const cut = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      throw wrapEngineError(cut, details);
    }
    try {
      if (fault) throw refused(fault.status, fault.message);
      const result = await effect();
      this.log.answer(call, 'ok');
      return result;
    } catch (error) {
      this.log.answer(call, 'failed');
      throw wrapEngineError(error, details);
    }
  }

  /** Name and service of the container with this id, for the call log. */
  private about(id: string): About {
    const spec = this.state.containers.get(id)?.spec;
    return { name: spec?.name ?? id, service: spec?.labels[LABEL.service] };
  }

  ping(): Promise<void> {
    return this.call('ping', {}, [], () => undefined);
  }

  /** The Swarm API is tested against real engines (test/integration/swarm-*.test.ts). */
  request<T>(operation: string): Promise<T> {
    return Promise.reject(new Error(`the memory engine has no Swarm API (${operation})`));
  }

  version() {
    const answer = { version: '20.10.24', apiVersion: '1.41', os: 'linux', arch: 'amd64' };
    return this.call('version', {}, [], () => answer);
  }

  listContainers(labels: Labels): Promise<ContainerSummary[]> {
    return this.call('listContainers', {}, [labels], () => this.state.listContainers(labels));
  }

  inspectContainer(id: string): Promise<ContainerDetails> {
    return this.call('inspectContainer', this.about(id), [id], () => this.state.inspect(id));
  }

  createContainer(spec: ContainerSpec): Promise<string> {
    const about = { name: spec.name, service: spec.labels[LABEL.service] };
    return this.call('createContainer', about, [spec], () => this.state.create(spec));
  }

  connectNetwork(network: string, containerId: string, aliases: string[]): Promise<void> {
    const { name, service } = this.about(containerId);
    return this.call(
      'connectNetwork',
      { name: `${network} ← ${name ?? containerId}`, service },
      [network, containerId, aliases],
      () => this.state.connect(network, containerId, aliases),
    );
  }

  disconnectNetwork(network: string, containerId: string): Promise<void> {
    const { name, service } = this.about(containerId);
    return this.call(
      'disconnectNetwork',
      { name: `${network} ↛ ${name ?? containerId}`, service },
      [network, containerId],
      () => this.state.disconnect(network, containerId),
    );
  }

  /** A file put into the container earlier (the engine's own files are not modelled). */
  readFile(containerId: string, path: string): Promise<Buffer | undefined> {
    return this.call(
      'readFile',
      this.about(containerId),
      [containerId, path],
      () => this.state.container(containerId).files.get(path)?.content,
    );
  }

  /** This machine's clock, moved by `clockOffsetMs` (a host whose clock is off). */
  clockOffsetMs = 0;

  systemTime(): Promise<Date> {
    return this.call('systemTime', {}, [], () => new Date(Date.now() + this.clockOffsetMs));
  }

  /** An image with no layers (as `docker import` of an empty tar makes). */
  importImage(rootfs: Buffer, ref: string, labels: Labels): Promise<void> {
    return this.call('importImage', { name: ref }, [rootfs, ref, labels], () => {
      this.state.addImage(ref, labels);
    });
  }

  /** Archives are not modelled: the engine refuses (501). */
  readArchive(containerId: string, path: string): Promise<Readable> {
    return this.call('readArchive', this.about(containerId), [containerId, path], () => {
      throw refused(501, 'archives are not modelled by the memory engine');
    });
  }

  putArchive(containerId: string, path: string): Promise<void> {
    return this.call('putArchive', this.about(containerId), [containerId, path], () => {
      throw refused(501, 'archives are not modelled by the memory engine');
    });
  }

  /** Recorded only: the memory engine's processes do not run. */
  setPaused(containerId: string, paused: boolean): Promise<void> {
    return this.call('setPaused', this.about(containerId), [containerId, paused], () => undefined);
  }

  putFiles(containerId: string, directory: string, files: PutFile[]): Promise<void> {
    return this.call('putFiles', this.about(containerId), [containerId, directory, files], () =>
      this.state.putFiles(containerId, directory, files),
    );
  }

  startContainer(id: string): Promise<void> {
    return this.call('startContainer', this.about(id), [id], () => this.state.start(id));
  }

  stopContainer(id: string, timeoutS: number): Promise<void> {
    return this.call('stopContainer', this.about(id), [id, timeoutS], () => this.state.stop(id));
  }

  removeContainer(id: string, options?: { force?: boolean }): Promise<void> {
    return this.call('removeContainer', this.about(id), [id, options], () =>
      this.state.remove(id, options?.force === true),
    );
  }

  /** Exits of containers with `labels` while the watch is open (recorded, never held). */
  watchExits(labels: Labels): ExitWatch {
    void this.call('watchExits', {}, [labels], () => undefined);
    let open = true;
    const exits = new Map<string, PromiseWithResolvers<undefined>>();
    const exitOf = (id: string) => {
      const exit = exits.get(id) ?? Promise.withResolvers<undefined>();
      exits.set(id, exit);
      return exit;
    };
    this.state.exitListeners.push((c) => {
      if (open && hasLabels(c.spec.labels, labels)) exitOf(c.id).resolve(undefined);
    });
    return {
      exited: (id) => exitOf(id).promise,
      close: () => {
        open = false;
      },
    };
  }

  waitContainer(id: string, signal?: AbortSignal): Promise<number> {
    return this.call('waitContainer', this.about(id), [id], () => {
      const c = this.state.container(id);
      if (c.state === 'exited') return c.exitCode;
      return new Promise<number>((resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        this.state.exitListeners.push((exited) => {
          if (exited.id === id) resolve(exited.exitCode);
        });
      });
    });
  }

  /** The container's `logs`, the last `tail` of them when asked. */
  async *logs(id: string, options: LogOptions): AsyncIterable<LogLine> {
    const lines = await this.call('logs', this.about(id), [id, options], () => [
      ...this.state.container(id).logs,
    ]);
    yield* options.tail === undefined ? lines : lines.slice(-options.tail);
  }

  /** Every command counts as the service's healthcheck: it exits as `checks` said (0). */
  exec(id: string, options: ExecOptions): Promise<number> {
    return this.call('exec', this.about(id), [id, options], () => {
      const c = this.state.container(id);
      if (c.state !== 'running') throw refused(409, `Container ${id} is not running`);
      const code = this.checkAnswers.get(c.spec.labels[LABEL.service] ?? '') ?? 0;
      if (code !== 0) options.stdout?.write(`check failed with exit code ${code}\n`);
      return code;
    });
  }

  listNetworks(labels: Labels): Promise<NetworkSummary[]> {
    return this.call('listNetworks', {}, [labels], () => this.state.listNetworks(labels));
  }

  createNetwork(spec: { name: string; internal: boolean; labels: Labels }): Promise<string> {
    return this.call('createNetwork', spec, [spec], () => this.state.createNetwork(spec));
  }

  removeNetwork(id: string): Promise<void> {
    const name = this.state.networks.get(id)?.name ?? id;
    return this.call('removeNetwork', { name }, [id], () => this.state.removeNetwork(id));
  }

  listVolumes(labels: Labels): Promise<VolumeSummary[]> {
    return this.call('listVolumes', {}, [labels], () =>
      [...this.state.volumes.values()].filter((v) => hasLabels(v.labels, labels)),
    );
  }

  createVolume(spec: { name: string; labels: Labels }): Promise<void> {
    return this.call('createVolume', spec, [spec], () => this.state.createVolume(spec));
  }

  removeVolume(name: string): Promise<void> {
    return this.call('removeVolume', { name }, [name], () => this.state.removeVolume(name));
  }

  listImages(): Promise<{ id: string; tags: string[] }[]> {
    return this.call('listImages', {}, [], () =>
      [...this.state.images.values()].map((i) => ({ id: i.id, tags: [...i.tags] })),
    );
  }

  inspectImage(ref: string): Promise<ImageSummary | undefined> {
    return this.call('inspectImage', { name: ref }, [ref], () => this.state.image(ref));
  }

  buildImage(context: Readable, options: BuildOptions): Promise<string> {
    return this.call('buildImage', { name: options.tag }, [context, options], async () => {
      await buffer(context);
      return this.state.addImage(options.tag, options.labels);
    });
  }

  /** Every image is in the registry. */
  pullImage(ref: string): Promise<void> {
    return this.call('pullImage', { name: ref }, [ref], () => {
      if (!this.state.image(ref)) this.state.addImage(ref);
    });
  }

  tagImage(id: string, repo: string, tag: string): Promise<void> {
    return this.call('tagImage', { name: `${repo}:${tag}` }, [id, repo, tag], () => {
      this.state.existingImage(id).tags.push(`${repo}:${tag}`);
    });
  }

  removeImage(ref: string): Promise<void> {
    return this.call('removeImage', { name: ref }, [ref], () => {
      this.state.images.delete(this.state.existingImage(ref).id);
    });
  }

  /** Not a tar: the images as JSON, which another MemoryEngine's loadImages reads back. */
  saveImages(refs: string[]): Promise<Readable> {
    return this.call('saveImages', { name: refs.join(' ') }, [refs], () => {
      const images = refs.map((ref) => this.state.existingImage(ref));
      return Readable.from([Buffer.from(JSON.stringify(images))]);
    });
  }

  loadImages(tar: Readable): Promise<void> {
    return this.call('loadImages', {}, [tar], async () => {
      const images = JSON.parse((await buffer(tar)).toString()) as ImageSummary[];
      for (const image of images) this.state.images.set(image.id, image);
    });
  }

  close(): Promise<void> {
    return this.call('close', {}, [], () => undefined);
  }
}
