/**
 * The `docker` target: a project's services as labelled containers on one engine, local or
 * over SSH. Containers, networks and volumes are found by label, never by name. The modules of
 * planning, executing and building are imported when first used, so `ps` or `logs` load none.
 */
import type { Readable, Writable } from 'node:stream';
import type { EventSink } from '../../apply/events.ts';
import type { DatabaseLogin } from '../../backup/mariadb.ts';
import type { InFlightList } from '../../apply/in-flight.ts';
import type { Engine, ExitWatch, LogLine, LogOptions } from '../../engine/engine.ts';
import { connectLocalEngine } from '../../engine/connect.ts';
import { explainFailure } from '../../engine/open.ts';
import { LABEL, projectSelector } from '../../model/names.ts';
import { LOCAL_HOST, type Topology } from '../../model/topology.ts';
import type { Plan } from '../../plan/types.ts';
import type { Release, ReleaseAuthor, ReleaseCandidate } from '../../releases/history.ts';
import type {
  BuiltImage,
  DatabaseDump,
  DatabaseRestore,
  ExecuteOptions,
  HostLockStore,
  InstanceStatus,
  PlanDownOptions,
  PlannedDown,
  PlannedUp,
  PlanUpOptions,
  RecordedRelease,
  Target,
  TargetExecOptions,
  WaitHealthyOptions,
} from '../target.ts';
import { sitesFile } from '../../proxy/names.ts';
import { instanceStatus } from './instance-status.ts';
import { dockerLockStore } from './lock-store.ts';
import { runningContainer } from './running-container.ts';

/** A host's Docker engine as a deployment target. */
export class DockerTarget implements Target {
  readonly runtime = 'docker';
  readonly host: string;
  private readonly topology: Topology;
  private readonly engine: Engine;
  /** The operator's engine, where a remote host's images are built (opened when first needed). */
  private builder: Engine | undefined;
  /** Exits seen since beginTeardown(), for a teardown's stops. */
  private exits: ExitWatch | undefined;

  constructor(host: string, topology: Topology, engine: Engine) {
    this.host = host;
    this.topology = topology;
    this.engine = engine;
  }

  beginTeardown(): void {
    // Opened before anything is sent, so a stop's exit is seen however fast it comes.
    this.exits ??= this.engine.watchExits({ [LABEL.project]: this.topology.project });
  }

  async finishInherited(inFlight: InFlightList, onEvent: EventSink): Promise<void> {
    // Containers a killed backup left paused are thawed first (issue 23).
    const [{ thawKilledBackups }, { leaseMs }] = await Promise.all([
      import('./backup-holds.ts'),
      import('../../apply/host-lock.ts'),
    ]);
    await thawKilledBackups(this.engine, this.topology, onEvent, { leaseMs: leaseMs() });
    return inFlight.finishInherited(this.engine, onEvent);
  }

  async planUp(services: string[], options: PlanUpOptions): Promise<PlannedUp> {
    // The executor comes next: it loads while the plan is made.
    void import('../../apply/execute.ts');
    const { planUp } = await import('./plan-up.ts');
    if (this.host !== LOCAL_HOST) this.builder ??= connectLocalEngine();
    return planUp(this.engine, this.topology, this.host, services, {
      ...options,
      builder: this.builder,
    });
  }

  async planDown({ volumes }: PlanDownOptions): Promise<PlannedDown> {
    const [{ planDown }, { observe }] = await Promise.all([
      import('../../plan/down.ts'),
      import('../../plan/observe.ts'),
    ]);
    const { project, services } = this.topology;
    // The proxy is looked at too: it may route to the project (a topology since changed or not).
    const observed = await observe(this.engine, project, [sitesFile(project)]);
    const dependencies = Object.fromEntries(
      Object.values(services).map((s) => [s.name, Object.keys(s.dependsOn)]),
    );
    const plan = planDown(project, this.host, observed, dependencies, {
      volumes,
      stopTimeoutS: (service) => Math.ceil((services[service]?.stopGracePeriodMs ?? 10_000) / 1000),
    });
    const { containers, networks, volumes: found } = observed;
    return {
      plan,
      found: { containers: containers.length, networks: networks.length, volumes: found.length },
    };
  }

  async execute(plan: Plan, options: ExecuteOptions): Promise<void> {
    const { executePlan } = await import('../../apply/execute.ts');
    // A teardown: more calls at once, and a stop is done once its container's exit is seen.
    const exits = options.teardown ? this.exits : undefined;
    const created = new Map<string, string>();
    const done = new Set<string>();
    const onEvent: EventSink = (event) => {
      if (event.type === 'op-done') done.add(event.id);
      options.onEvent(event);
    };
    await executePlan(plan, {
      engine: this.engine,
      secretFiles: options.secretFiles ?? (() => []),
      onEvent,
      created,
      signal: options.signal,
      ...(options.teardown ? { concurrency: 16 } : {}),
      ...(exits ? { exits } : {}),
      ...(options.inFlight ? { inFlight: options.inFlight } : {}),
      ...(options.proxySecrets ? { proxySecrets: options.proxySecrets } : {}),
    }).catch(async (error: unknown) => {
      const { discardReleases, unswitchedReleases } = await import('./discard-releases.ts');
      await discardReleases(this.engine, unswitchedReleases(plan, created, done), onEvent);
      throw error;
    });
  }

  async status(): Promise<InstanceStatus[]> {
    const containers = await this.engine.listContainers(projectSelector(this.topology.project));
    return containers.map(instanceStatus);
  }

  async logs(
    services: string[],
    options: LogOptions,
    onLine: (service: string, line: LogLine) => void,
  ): Promise<void> {
    const containers = (
      await this.engine.listContainers(projectSelector(this.topology.project))
    ).filter((c) => services.includes(c.labels[LABEL.service] ?? ''));
    await Promise.all(
      containers.map(async (c) => {
        const service = c.labels[LABEL.service] ?? c.name;
        for await (const line of this.engine.logs(c.id, options)) onLine(service, line);
      }),
    );
  }

  async exec(service: string, { onAttach, ...options }: TargetExecOptions): Promise<number> {
    const container = await runningContainer(this.engine, this.topology.project, service);
    onAttach?.();
    return this.engine.exec(container.id, options);
  }

  async archiveVolume(
    volume: string,
    out: Writable,
    onEvent?: EventSink,
  ): Promise<{ paused: string[] }> {
    const { archiveVolume } = await import('./volume-archive.ts');
    return archiveVolume(this.engine, this.topology, volume, out, onEvent);
  }

  async restoreVolume(
    volume: string,
    archive: Readable,
    onEvent: EventSink,
  ): Promise<{ stopped: string[] }> {
    const { restoreVolume } = await import('./volume-restore.ts');
    return restoreVolume(this.engine, this.topology, volume, archive, onEvent);
  }

  async dumpDatabase(
    login: DatabaseLogin,
    out: Writable,
    options: { signal: AbortSignal },
  ): Promise<DatabaseDump> {
    const { execDump } = await import('../exec-database.ts');
    return execDump(this, login, out, options);
  }

  async restoreDatabase(
    login: DatabaseLogin,
    dump: Readable,
    options: { signal: AbortSignal },
  ): Promise<DatabaseRestore> {
    const { execRestore } = await import('../exec-database.ts');
    return execRestore(this, login, dump, options);
  }

  async queryDatabase(login: DatabaseLogin, sql: string): Promise<string> {
    const { execQuery } = await import('../exec-database.ts');
    return execQuery(this, login, sql);
  }

  hostLock(): HostLockStore {
    return dockerLockStore(this.engine, this.topology.project);
  }

  async waitHealthy(service: string, options: WaitHealthyOptions): Promise<void> {
    const { waitHealthy } = await import('./wait-healthy.ts');
    return waitHealthy(this.engine, this.topology, service, options);
  }

  async build(
    services: string[],
    options: { noCache: boolean; onEvent: EventSink },
  ): Promise<BuiltImage[]> {
    const { buildServices } = await import('../../build/images.ts');
    return buildServices(this.engine, this.topology, services, options);
  }

  async releases(): Promise<Release[]> {
    const { readHistory } = await import('./release-store.ts');
    return readHistory(this.engine, this.topology.project);
  }

  async recordRelease(
    candidate: ReleaseCandidate,
    author: ReleaseAuthor,
    keep: number,
  ): Promise<RecordedRelease | undefined> {
    if (candidate.changed.length === 0) return undefined;
    const [{ openHistory }, { appendRelease }, { pruneReleaseImages }] = await Promise.all([
      import('./release-store.ts'),
      import('../../releases/history.ts'),
      import('./prune-images.ts'),
    ]);
    const history = await openHistory(this.engine, this.topology.project);
    const next = appendRelease(history.releases, candidate, author);
    if (!next) return undefined;
    await history.write(next.history);
    const removedImages = await pruneReleaseImages(this.engine, this.topology, next.history, keep);
    return { release: next.release, removedImages };
  }

  async forgetReleases(): Promise<void> {
    const { removeHistory } = await import('./release-store.ts');
    await removeHistory(this.engine, this.topology.project);
  }

  explain(error: unknown): Promise<unknown> {
    return explainFailure(this.engine, error);
  }

  async close(): Promise<void> {
    this.exits?.close();
    await this.builder?.close();
    await this.engine.close();
  }
}
