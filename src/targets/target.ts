/**
 * The target seam (issue 18 §3): one topology, several runtimes. A target deploys a project's
 * services on one host with one runtime — `docker` (one engine) today; Swarm and systemd come
 * next. It observes what exists, plans purely from desired + observed (the plan is one format
 * for every target, so `notesctl plan` reads the same), executes a plan, lists status, streams
 * logs and runs a command in a service. It never prints: it emits events and returns data.
 * Commands talk to this interface only, never to an engine.
 */
import type { Readable, Writable } from 'node:stream';
import type { EventSink } from '../apply/events.ts';
import type { SecretFiles } from '../apply/execute.ts';
import type { InFlightList, InFlightTracker } from '../apply/in-flight.ts';
import type { DatabaseLogin } from '../backup/mariadb.ts';
import type { ExecOptions, LogLine, LogOptions } from '../engine/engine.ts';
import type { PlacementRuntime } from '../model/topology.ts';
import type { Plan } from '../plan/types.ts';
import type {
  Release,
  ReleaseAuthor,
  ReleaseCandidate,
  ReleasedService,
} from '../releases/history.ts';
import type { ShipResult } from '../ship/ship.ts';

export type { ExecOptions, LogLine, LogOptions };

/** How `up` (or `plan`, with dryRun) wants its plan made. */
export interface PlanUpOptions {
  /** Build, pull and write nothing: report what would happen (`plan`). */
  dryRun: boolean;
  forceBuild: boolean;
  forceRecreate: boolean;
  removeOrphans: boolean;
  /** Wait for started services to be ready. */
  wait: boolean;
  onEvent: EventSink;
  /** A rollback: run these earlier images instead of the topology's (service → image). */
  pins?: Map<string, ReleasedService>;
}

/** What shipping a plain server's release sent (only the files it lacked, issue 21). */
export interface ReleaseShipment {
  /** `release ID of SERVICE`. */
  ref: string;
  /** The release the server had, the rest linked from; undefined: the whole release was sent. */
  base: string | undefined;
  filesTotal: number;
  filesSent: number;
  /** Sizes of the files (uncompressed). */
  bytesTotal: number;
  bytesSent: number;
  /** Bytes of the .tar.gz sent over SSH. */
  wireBytes: number;
}

/** A plan for `up` and what executing it needs. */
export interface PlannedUp {
  plan: Plan;
  /** The release recorded once the plan has run (nothing when `changed` is empty). */
  release: ReleaseCandidate;
  /** Images built, pulled or shipped (or that would be, in a dry run). */
  images: { service: string; action: 'build' | 'pull' | 'ship'; ref: string }[];
  shipped: (ShipResult | ReleaseShipment)[];
  /** The contents of each service's secret files. */
  secretFiles: SecretFiles;
  /** A secret's value, for the edge proxy's certificate files. */
  proxySecrets: (secret: string) => Buffer;
  /** Generated secrets that do not exist yet (dry run only). */
  missingSecrets: string[];
}

/** How `down` wants its plan made. */
export interface PlanDownOptions {
  /** Also remove the named volumes (the data). */
  volumes: boolean;
}

/** A plan for `down`, with what it found. */
export interface PlannedDown {
  plan: Plan;
  found: { containers: number; networks: number; volumes: number };
}

/** What executing a plan needs besides the plan. */
export interface ExecuteOptions {
  onEvent: EventSink;
  signal: AbortSignal;
  secretFiles?: SecretFiles;
  proxySecrets?: (secret: string) => Buffer;
  /** Records stops and removals in flight in the project lock. */
  inFlight?: InFlightTracker;
  /** The plan takes the stack down: more calls at once, a stop is done when its exit is seen. */
  teardown?: boolean;
}

/** One running (or stopped) instance of a service, as `ps` lists it. */
export interface InstanceStatus {
  service: string;
  /** The instance's own name (a container's name). */
  instance: string;
  state: string;
  health: string | undefined;
  /** Published ports, as `HOST:PORT->PORT/PROTO`. */
  ports: string[];
  image: string;
  /** How long it has been running, in the runtime's words ("12 seconds"); undefined if not. */
  uptime: string | undefined;
  createdAt: Date;
}

/** A built image of a `build:` service. */
export interface BuiltImage {
  service: string;
  ref: string;
  id: string;
}

/** Options of Target.exec(): the engine's, and a hook run once the instance is found. */
export interface TargetExecOptions extends ExecOptions {
  /** Which task of a cluster service (issue 20: `exec --task`); only the swarm target has tasks. */
  task?: string | undefined;
  /** Called right before the command is attached (e.g. to put the terminal in raw mode). */
  onAttach?: () => void;
}

/** What recording a release did. */
export interface RecordedRelease {
  release: Release;
  /** Images removed because no kept release runs them (`repository:tag`). */
  removedImages: string[];
}

/** How Target.waitHealthy waits. */
export interface WaitHealthyOptions {
  signal: AbortSignal;
  /** Live status of the checks (`waiting for db-notes (check 3: exit 1)`). */
  onProgress: (text: string) => void;
}

/** What Target.dumpDatabase made: where the dump came from, for the backup's manifest. */
export interface DatabaseDump {
  /** The server that ran it: the container's image (`mariadb:10.11`), or the host's server. */
  image: string;
}

/** What Target.restoreDatabase did. */
export interface DatabaseRestore {
  /** Whether the dump crossed the link compressed (decompressed on the host). */
  compressed: boolean;
}

/**
 * The deploy lock's object on a host (issue 23; src/apply/host-lock.ts decides what it means):
 * created atomically — of two creates, one fails — read, rewritten while held, removed.
 * `handle` names one object, so a holder never removes a successor's lock.
 */
export interface HostLockStore {
  /** Where the lock lives, for messages (`container notesctl-lock-notes on h1`). */
  readonly where: string;
  /** Create the lock holding `content`: its handle, or undefined when one exists already. */
  create(content: string): Promise<string | undefined>;
  /** The lock's handle and latest content; undefined when there is none. */
  read(): Promise<{ handle: string; content: string } | undefined>;
  /** Replace the content of lock `handle`; false when that lock is gone. */
  write(handle: string, content: string): Promise<boolean>;
  /** Remove lock `handle` (done if it is gone already). */
  remove(handle: string): Promise<void>;
  /** The host's clock: leases are judged by it, whatever the operators' clocks say. */
  now(): Promise<Date>;
}

/** One host's runtime, opened for one command. */
export interface Target {
  readonly host: string;
  readonly runtime: PlacementRuntime;
  /**
   * A teardown follows (`down`): start watching what it needs before anything is sent (the
   * Docker target listens for its containers' exits).
   */
  beginTeardown(): void;
  /** Send again what a killed or cut-off run left unanswered, and wait for it to land. */
  finishInherited(inFlight: InFlightList, onEvent: EventSink): Promise<void>;
  /** Observe, resolve images and secrets, and reconcile `services` placed on this host. */
  planUp(services: string[], options: PlanUpOptions): Promise<PlannedUp>;
  /** Observe and plan removing the project from this host. */
  planDown(options: PlanDownOptions): Promise<PlannedDown>;
  /** Carry out a plan made by planUp or planDown. */
  execute(plan: Plan, options: ExecuteOptions): Promise<void>;
  /** Every instance of the project on this host (services not in `services` are orphans). */
  status(): Promise<InstanceStatus[]>;
  /** The log lines of `services`' instances, in each instance's order. */
  logs(
    services: string[],
    options: LogOptions,
    onLine: (service: string, line: LogLine) => void,
  ): Promise<void>;
  /** Run a command in the running instance of `service`; resolves to its exit code. */
  exec(service: string, options: TargetExecOptions): Promise<number>;
  /**
   * Stream a tar of the topology volume `volume` (its files under `volume/`) into `out`, taken
   * while no instance writes to it (docker: the instances mounting it are paused); resolves to
   * the services that were held (issue 23, backups).
   */
  archiveVolume(volume: string, out: Writable, onEvent?: EventSink): Promise<{ paused: string[] }>;
  /**
   * Replace the files of topology volume `volume` with the tar `archive` (as archiveVolume wrote
   * it), the instances mounting it stopped meanwhile and started again; resolves to the
   * services stopped (issue 23, restore of a volume backup).
   */
  restoreVolume(
    volume: string,
    archive: Readable,
    onEvent: EventSink,
  ): Promise<{ stopped: string[] }>;
  /**
   * Stream a consistent logical dump of `login.database` (mariadb-dump --single-transaction,
   * with routines, events and triggers, dropping and recreating the database on restore),
   * gzip'd, into `out`, ending it once the dump is whole; rejects naming the service and host
   * when the dump fails (issue 23).
   */
  dumpDatabase(
    login: DatabaseLogin,
    out: Writable,
    options: { signal: AbortSignal },
  ): Promise<DatabaseDump>;
  /** Run the gzip'd dump `dump` (as dumpDatabase wrote it) into `login`'s database server. */
  restoreDatabase(
    login: DatabaseLogin,
    dump: Readable,
    options: { signal: AbortSignal },
  ): Promise<DatabaseRestore>;
  /** Run `sql` against `login`'s database server: its output (batch mode, no column names). */
  queryDatabase(login: DatabaseLogin, sql: string): Promise<string>;
  /** The project's deploy lock on this host (see HostLockStore). */
  hostLock(): HostLockStore;
  /** Wait until `service`'s running instance passes its own health check, run now. */
  waitHealthy(service: string, options: WaitHealthyOptions): Promise<void>;
  /** Build the images of `build:` services on this host. */
  build(
    services: string[],
    options: { noCache: boolean; onEvent: EventSink },
  ): Promise<BuiltImage[]>;
  /** The project's releases on this host, oldest first. */
  releases(): Promise<Release[]>;
  /**
   * Record a release on the host after its plan ran (undefined when it changed nothing), then
   * remove the images of `build:` services that none of the last `keep` releases ran.
   */
  recordRelease(
    candidate: ReleaseCandidate,
    author: ReleaseAuthor,
    keep: number,
  ): Promise<RecordedRelease | undefined>;
  /** Remove the project's release history from the host (`down --volumes`). */
  forgetReleases(): Promise<void>;
  /** The error to report for `error` (e.g. the SSH link that broke under the call instead). */
  explain(error: unknown): Promise<unknown>;
  /** Close the connection(s). */
  close(): Promise<void>;
}
