/**
 * The `swarm` target (issue 20): a project's services as Swarm services on a cluster of SSH
 * hosts. One SSH connection per member, opened in parallel; the Swarm calls go through the
 * first manager that has the cluster's control plane; builds run on the operator's engine and
 * images are shipped to every node; `logs` and `exec` reach a task through its own node.
 */
import { followNewTasks } from './follow-tasks.ts';
import { pickTask } from './pick-task.ts';
import type { Readable, Writable } from 'node:stream';
import type { DatabaseLogin } from '../../backup/mariadb.ts';
import { readLocalSwarm } from '../../engine/swarm-cluster.ts';
import { listNodes } from '../../engine/swarm-nodes.ts';
import type { EventSink } from '../../apply/events.ts';
import { connectLocalEngine } from '../../engine/connect.ts';
import type { Engine, LogLine, LogOptions } from '../../engine/engine.ts';
import { explainFailure, openEngine, type RemoteAccess } from '../../engine/open.ts';
import { listServices, listTasks } from '../../engine/swarm-services.ts';
import { RuntimeError } from '../../errors.ts';
import { NODE_LABEL, swarmServiceName } from '../../model/cluster-names.ts';
import { LABEL, projectSelector } from '../../model/names.ts';
import type { Cluster, Topology } from '../../model/topology.ts';
import type { Plan } from '../../plan/types.ts';
import type { Release, ReleaseAuthor, ReleaseCandidate } from '../../releases/history.ts';
import type { OpenHooks } from '../open.ts';
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
import { swarmLockStore } from './lock-store.ts';
import type { ClusterEngines } from './plan-up.ts';

/** A cluster as a deployment target. */
export class SwarmTarget implements Target {
  readonly runtime = 'swarm';
  readonly host: string;
  private readonly topology: Topology;
  private readonly engines: Omit<ClusterEngines, 'builder'>;
  private builder: Engine | undefined;

  constructor(topology: Topology, engines: Omit<ClusterEngines, 'builder'>) {
    this.host = engines.cluster.name;
    this.topology = topology;
    this.engines = engines;
  }

  private get manager(): Engine {
    return this.engines.manager;
  }

  beginTeardown(): void {
    // Swarm stops the tasks of a removed service itself.
  }

  finishInherited(): Promise<void> {
    // Every Swarm call is recorded by the managers at once: nothing is left in flight.
    return Promise.resolve();
  }

  async planUp(services: string[], options: PlanUpOptions): Promise<PlannedUp> {
    const { planSwarmUp } = await import('./plan-up.ts');
    this.builder ??= connectLocalEngine();
    return planSwarmUp(
      { ...this.engines, builder: this.builder },
      this.topology,
      services,
      options,
    );
  }

  async planDown({ volumes }: PlanDownOptions): Promise<PlannedDown> {
    const [{ observeSwarm }, { planSwarmDown }] = await Promise.all([
      import('./observed.ts'),
      import('./down.ts'),
    ]);
    const { project } = this.topology;
    const observed = await observeSwarm(this.manager, project);
    const found = await Promise.all(
      [...this.engines.nodes].map(async ([host, engine]) =>
        (await engine.listVolumes(projectSelector(project))).map((v) => ({ host, name: v.name })),
      ),
    );
    const onNodes = found.flat();
    return {
      plan: planSwarmDown(project, this.host, observed, volumes ? onNodes : undefined),
      found: {
        containers: observed.services.length,
        networks: observed.networks.length,
        volumes: onNodes.length,
      },
    };
  }

  async execute(plan: Plan, options: ExecuteOptions): Promise<void> {
    const { executeSwarmPlan } = await import('./execute.ts');
    const secrets = options.proxySecrets;
    await executeSwarmPlan(plan, {
      project: this.topology.project,
      manager: this.manager,
      nodes: this.engines.nodes,
      secretValue: (secret) => {
        if (!secrets) throw new Error(`bug: no secret values to create ${secret}`);
        return secrets(secret);
      },
      onEvent: options.onEvent,
      signal: options.signal,
    });
  }

  async status(): Promise<InstanceStatus[]> {
    const { swarmStatus } = await import('./status.ts');
    return swarmStatus(this.manager, this.topology.project);
  }

  /** The running tasks of `services` with the engine of the node each runs on. */
  private async runningTasks(services: string[]) {
    const [all, nodes] = await Promise.all([
      listServices(this.manager, projectSelector(this.topology.project)),
      listNodes(this.manager),
    ]);
    const wanted = all.filter((s) => services.includes(s.spec.Labels[LABEL.service] ?? ''));
    const tasks = await listTasks(
      this.manager,
      wanted.map((s) => s.spec.Name),
    );
    const hostOf = new Map(nodes.map((n) => [n.id, n.labels[NODE_LABEL.host] ?? n.hostname]));
    return tasks.flatMap((t) => {
      const service = wanted.find((s) => s.id === t.serviceId)?.spec.Labels[LABEL.service];
      const host = hostOf.get(t.nodeId);
      const engine = host === undefined ? undefined : this.engines.nodes.get(host);
      return t.state === 'running' && t.containerId && engine && service
        ? [
            {
              service,
              host: host ?? '',
              engine,
              containerId: t.containerId,
              id: t.id,
              slot: t.slot,
            },
          ]
        : [];
    });
  }

  async logs(
    services: string[],
    options: LogOptions,
    onLine: (service: string, line: LogLine) => void,
  ): Promise<void> {
    const streams: Promise<void>[] = [];
    const seen = new Set<string>();
    const stream = (t: Awaited<ReturnType<typeof this.runningTasks>>[number], o: LogOptions) => {
      seen.add(t.containerId);
      streams.push(
        (async () => {
          for await (const line of t.engine.logs(t.containerId, o)) onLine(t.service, line);
        })(),
      );
    };
    for (const t of await this.runningTasks(services)) stream(t, options);
    if (options.follow) {
      // Tasks started later (a rolling update, a task rescheduled off a lost node) join the
      // stream with their whole log, as `docker service logs -f` does not do.
      await followNewTasks(
        () => this.runningTasks(services),
        seen,
        (t) => stream(t, { ...options, tail: undefined }),
        options.signal,
      );
    }
    await Promise.all(streams);
  }

  async exec(
    service: string,
    { onAttach, task: wanted, ...options }: TargetExecOptions,
  ): Promise<number> {
    const where = { cluster: this.host, name: swarmServiceName(this.topology.project, service) };
    const task = pickTask(service, where, await this.runningTasks([service]), wanted);
    onAttach?.();
    return task.engine.exec(task.containerId, options);
  }

  archiveVolume(volume: string): Promise<{ paused: string[] }> {
    return Promise.reject(this.notYet(`a backup of volume ${volume}`));
  }

  restoreVolume(volume: string): Promise<never> {
    return Promise.reject(this.notYet(`a restore of volume ${volume}`));
  }

  private notYet(what: string): RuntimeError {
    return new RuntimeError(`${what} on cluster ${this.host} is not available in this build`, {
      hint: 'Database services are backed up through exec (notesctl backup SERVICE) on clusters too.',
    });
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
    return swarmLockStore(this.manager, this.topology.project, this.host);
  }

  async waitHealthy(service: string, options: WaitHealthyOptions): Promise<void> {
    const [found] = (
      await listServices(this.manager, projectSelector(this.topology.project))
    ).filter((s) => s.spec.Labels[LABEL.service] === service);
    if (!found) throw new RuntimeError(`service ${service} is not on cluster ${this.host}`);
    const { waitService } = await import('./wait-service.ts');
    const replicas = 'Replicated' in found.spec.Mode ? found.spec.Mode.Replicated.Replicas : 1;
    await waitService(
      {
        project: this.topology.project,
        manager: this.manager,
        nodes: this.engines.nodes,
        secretValue: () => Buffer.alloc(0),
        onEvent: () => undefined,
        signal: options.signal,
      },
      {
        name: found.spec.Name,
        hash: found.spec.Labels[LABEL.configHash] ?? '',
        replicas,
        timeoutMs: 120_000,
      },
      options.onProgress,
    );
  }

  async build(
    services: string[],
    options: { noCache: boolean; onEvent: EventSink },
  ): Promise<BuiltImage[]> {
    const { buildServices } = await import('../../build/images.ts');
    this.builder ??= connectLocalEngine();
    return buildServices(this.builder, this.topology, services, options);
  }

  async releases(): Promise<Release[]> {
    const { readSwarmHistory } = await import('./release-store.ts');
    return readSwarmHistory(this.manager, this.topology.project);
  }

  async recordRelease(
    candidate: ReleaseCandidate,
    author: ReleaseAuthor,
  ): Promise<RecordedRelease | undefined> {
    if (candidate.changed.length === 0) return undefined;
    const [{ readSwarmHistory, writeSwarmHistory }, { appendRelease }] = await Promise.all([
      import('./release-store.ts'),
      import('../../releases/history.ts'),
    ]);
    const { project } = this.topology;
    const next = appendRelease(await readSwarmHistory(this.manager, project), candidate, author);
    if (!next) return undefined;
    await writeSwarmHistory(this.manager, project, next.history);
    // Images are not pruned on the nodes yet: each keeps what was shipped to it.
    return { release: next.release, removedImages: [] };
  }

  async forgetReleases(): Promise<void> {
    const { removeSwarmHistory } = await import('./release-store.ts');
    await removeSwarmHistory(this.manager, this.topology.project);
  }

  explain(error: unknown): Promise<unknown> {
    return explainFailure(this.manager, error);
  }

  async close(): Promise<void> {
    await Promise.all([
      this.builder?.close(),
      ...[...this.engines.nodes.values()].map((e) => e.close()),
    ]);
  }
}

/** How long a member's engine may take to answer a ping before the cluster goes on without it. */
const PING_TIMEOUT_MS = 5_000;

/** Whether `engine` answers a ping in time. */
async function answers(engine: Engine): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([
      engine.ping().then(
        () => true,
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Open the target of cluster `name`: one SSH connection per member, in parallel. */
export async function openSwarmTarget(
  name: string,
  topology: Topology,
  access: (host: string) => Promise<RemoteAccess>,
  hooks: OpenHooks,
): Promise<Target> {
  const cluster: Cluster | undefined = topology.clusters[name];
  if (!cluster) throw new Error(`bug: ${name} is not a cluster`);
  const members = [...cluster.managers, ...cluster.workers];
  const opened = await Promise.allSettled(
    members.map((host) =>
      openEngine(host, { remote: () => access(host), ...hooks }).then(
        (engine) => [host, engine] as const,
      ),
    ),
  );
  // A member whose SSH login works but whose engine does not answer (stopped, hung) is left out:
  // the cluster goes on without it, as Swarm does.
  const answering = await Promise.all(
    opened.map(async (r) => {
      if (r.status !== 'fulfilled') return [];
      const [host, engine] = r.value;
      if (await answers(engine)) return [[host, engine] as const];
      await engine.close();
      return [];
    }),
  );
  const nodes = new Map(answering.flat());
  let manager: Engine | undefined;
  for (const host of cluster.managers) {
    const engine = nodes.get(host);
    if (
      engine &&
      (await readLocalSwarm(engine).then(
        (local) => local.isManager,
        () => false,
      ))
    ) {
      manager = engine;
      break;
    }
  }
  if (!manager) {
    await Promise.all([...nodes.values()].map((e) => e.close()));
    const failed = opened.flatMap((r, i) =>
      r.status === 'rejected' ? [`${members[i] ?? '?'}: ${String(r.reason)}`] : [],
    );
    throw new RuntimeError(
      `cluster ${name} has no reachable manager with a running swarm (managers: ${cluster.managers.join(', ')})${failed.length > 0 ? `\n${failed.join('\n')}` : ''}`,
      { hint: `Create or repair it with \`notesctl cluster up ${name}\`.` },
    );
  }
  return new SwarmTarget(topology, { cluster, manager, nodes });
}
