/**
 * The Engine interface, in notesctl's own words. Everything above src/engine talks to Docker
 * only through this; the dockerode implementation lives in docker-engine.ts and is the only
 * module that knows the Docker API's shapes.
 */
import type { Readable, Writable } from 'node:stream';
import type { ApiRequest } from './api-request.ts';

/** Labels as Docker stores them. */
export type Labels = Record<string, string>;

/** A container as listed (one list call returns all of a project's containers). */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  imageId: string;
  labels: Labels;
  /** created | running | paused | restarting | removing | exited | dead */
  state: string;
  /** Human status from Docker, e.g. "Up 3 minutes (healthy)". */
  status: string;
  health: 'healthy' | 'unhealthy' | 'starting' | undefined;
  /** Exit code of an exited container (from its status line). */
  exitCode: number | undefined;
  createdAt: Date;
  ports: { hostIp: string; hostPort: number; containerPort: number; protocol: string }[];
  networks: string[];
}

/** Details that only an inspect call gives. */
export interface ContainerDetails {
  id: string;
  name: string;
  labels: Labels;
  running: boolean;
  status: string;
  exitCode: number;
  startedAt: Date | undefined;
  health: 'healthy' | 'unhealthy' | 'starting' | undefined;
  /** Output of the last health probes, newest last. */
  healthLog: { exitCode: number; output: string }[];
  restartCount: number;
  env: string[];
  user: string;
  /** The container's IPv4 address on each network it is on, by network name. */
  addresses: Record<string, string>;
}

/** Everything needed to create a container (one API call). */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Labels;
  env: string[];
  cmd: string[] | undefined;
  entrypoint: string[] | undefined;
  user: string | undefined;
  exposedPorts: string[];
  portBindings: { containerPort: string; hostIp: string; hostPort: number }[];
  /** Named volume mounts. */
  mounts: { volume: string; target: string; readOnly: boolean }[];
  restart: { name: string; maximumRetryCount: number };
  healthcheck:
    | {
        test: string[];
        intervalMs: number;
        timeoutMs: number;
        retries: number;
        startPeriodMs: number;
      }
    | undefined;
  stopTimeoutS: number;
  /** First network (API 1.41 takes one at create); others are connected before start. */
  network: { name: string; aliases: string[] } | undefined;
  /** Security: capabilities dropped, no-new-privileges. */
  securityOpt: string[];
  init: boolean;
}

/** A network as listed. */
export interface NetworkSummary {
  id: string;
  name: string;
  internal: boolean;
  labels: Labels;
  containers: string[];
}

/** A volume as listed. */
export interface VolumeSummary {
  name: string;
  labels: Labels;
}

/** An image as inspected. */
export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Labels;
  sizeBytes: number;
  layers: string[];
  healthcheck: { test: string[] } | undefined;
}

/** One line of progress from a build, pull or load. */
export interface ProgressLine {
  text: string;
  id?: string | undefined;
  current?: number | undefined;
  total?: number | undefined;
}

/** Options for reading logs. */
export interface LogOptions {
  follow: boolean;
  tail: number | undefined;
  since: number | undefined;
  timestamps: boolean;
  signal?: AbortSignal | undefined;
}

/** One log line, demultiplexed. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** A command to run in a container. */
export interface ExecOptions {
  cmd: string[];
  user?: string | undefined;
  env?: string[] | undefined;
  tty?: boolean | undefined;
  stdin?: Readable | undefined;
  stdout?: Writable | undefined;
  stderr?: Writable | undefined;
  signal?: AbortSignal | undefined;
}

/** Build options for an image built from a context tar stream. */
export interface BuildOptions {
  tag: string;
  dockerfile: string;
  args: Record<string, string>;
  labels: Labels;
  target: string | undefined;
  noCache: boolean;
  onProgress?: ((line: ProgressLine) => void) | undefined;
}

/** Exits seen by Engine.watchExits. */
export interface ExitWatch {
  /**
   * Resolves once the engine reported that the container's process ended, if it does while the
   * watch is open (a watch that broke never resolves: fall back on the stop call's answer).
   */
  exited(containerId: string): Promise<void>;
  /** End the watch (idempotent). */
  close(): void;
}

/** A Docker engine, local or remote. Every method throws EngineError on failure. */
export interface Engine {
  /** Name of the host for messages (`local`, `web1`). */
  readonly hostName: string;

  ping(): Promise<void>;
  /**
   * One Docker API call with a JSON answer, wrapped like every other call (`operation` and
   * `resource` name it in errors). The Swarm calls (src/engine/swarm-*.ts, issue 20) go through
   * it and give the layers above their answers in notesctl's own types.
   */
  request<T>(operation: string, resource: string | undefined, call: ApiRequest): Promise<T>;
  /** The engine host's clock (for leases judged on the host, whoever's clock is off). */
  systemTime(): Promise<Date>;
  version(): Promise<{ version: string; apiVersion: string; os: string; arch: string }>;

  /**
   * Containers notesctl created that carry these labels — not others that merely inherited them
   * from an image notesctl built (`docker run` of it): those lack the config-hash label.
   */
  listContainers(labels: Labels): Promise<ContainerSummary[]>;
  inspectContainer(id: string): Promise<ContainerDetails>;
  createContainer(spec: ContainerSpec): Promise<string>;
  connectNetwork(network: string, containerId: string, aliases: string[]): Promise<void>;
  /** Copy files into a (created, not yet started) container: one tar upload. */
  putFiles(
    containerId: string,
    directory: string,
    files: { name: string; content: Buffer; mode: number; uid: number; gid: number }[],
  ): Promise<void>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutS: number): Promise<void>;
  removeContainer(id: string, options?: { force?: boolean }): Promise<void>;
  /**
   * Start watching for the exits of containers with these labels (the engine's `die` events),
   * to act on a container's exit before its stop call has returned. Never throws.
   */
  watchExits(labels: Labels): ExitWatch;
  /** Wait until the container exits; resolves with its exit code. */
  waitContainer(id: string, signal?: AbortSignal): Promise<number>;
  logs(id: string, options: LogOptions): AsyncIterable<LogLine>;
  /** Run a command; resolves with its exit code (output goes to the given streams). */
  exec(id: string, options: ExecOptions): Promise<number>;

  /** One file's content from a container (no change to it); undefined when it is not there. */
  readFile(id: string, path: string): Promise<Buffer | undefined>;
  /** Take a container off a network. */
  disconnectNetwork(network: string, containerId: string): Promise<void>;
  /**
   * A tar stream of `path` in a container (GET archive: it changes nothing, and works on created,
   * stopped and paused containers alike, their volumes included). The caller reads it to its end.
   */
  readArchive(id: string, path: string): Promise<Readable>;
  /**
   * Extract the tar stream `tar` at `path` in a (created or stopped) container, its mounted
   * volumes included (PUT archive): entries keep the owners and modes the tar gives them.
   */
  putArchive(id: string, path: string, tar: Readable): Promise<void>;
  /** Freeze (true) or thaw every process of a running container; its memory and sockets stay. */
  setPaused(id: string, paused: boolean): Promise<void>;

  listNetworks(labels: Labels): Promise<NetworkSummary[]>;
  createNetwork(spec: { name: string; internal: boolean; labels: Labels }): Promise<string>;
  removeNetwork(id: string): Promise<void>;

  listVolumes(labels: Labels): Promise<VolumeSummary[]>;
  createVolume(spec: { name: string; labels: Labels }): Promise<void>;
  removeVolume(name: string): Promise<void>;

  /** Every image on the engine (ids and tags). */
  listImages(): Promise<{ id: string; tags: string[] }[]>;
  /** Inspect an image; undefined when it is not there. */
  inspectImage(ref: string): Promise<ImageSummary | undefined>;
  buildImage(context: Readable, options: BuildOptions): Promise<string>;
  pullImage(ref: string, onProgress?: (line: ProgressLine) => void): Promise<void>;
  tagImage(id: string, repo: string, tag: string): Promise<void>;
  removeImage(ref: string): Promise<void>;
  /** Export images as a `docker save` tar stream. */
  saveImages(refs: string[]): Promise<Readable>;
  /** Create image `ref` from a root file system tar (`docker import`), e.g. an empty one. */
  importImage(rootfs: Buffer, ref: string, labels: Labels): Promise<void>;
  /** Import a `docker save` tar stream. */
  loadImages(tar: Readable, onProgress?: (line: ProgressLine) => void): Promise<void>;

  /** Release connections (the SSH link for remote engines). */
  close(): Promise<void>;
}
