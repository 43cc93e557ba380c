/**
 * The `docker` target: a project's services as labelled containers on one engine, local or
 * over SSH. Containers, networks and volumes are found by label, never by name.
 */
import { executePlan } from '../../apply/execute.ts';
import type { InFlightList } from '../../apply/in-flight.ts';
import type { EventSink } from '../../apply/events.ts';
import { resolveImages } from '../../build/images.ts';
import { connectLocalEngine } from '../../engine/connect.ts';
import type { Engine, ExecOptions, LogLine, LogOptions } from '../../engine/engine.ts';
import { explainFailure } from '../../engine/open.ts';
import { LABEL, projectSelector } from '../../model/names.ts';
import { LOCAL_HOST, type Topology } from '../../model/topology.ts';
import { planDown } from '../../plan/down.ts';
import { observe } from '../../plan/observe.ts';
import type { Plan } from '../../plan/types.ts';
import type {
  BuiltImage,
  ExecuteOptions,
  InstanceStatus,
  PlanDownOptions,
  PlannedDown,
  PlannedUp,
  PlanUpOptions,
  Target,
} from '../target.ts';
import { instanceStatus } from './instance-status.ts';
import { planUp } from './plan-up.ts';
import { runningContainer } from './running-container.ts';

/** A host's Docker engine as a deployment target. */
export class DockerTarget implements Target {
  readonly runtime = 'docker';
  /** The operator's engine, where a remote host's images are built (opened when first needed). */
  private builder: Engine | undefined;

  constructor(
    readonly host: string,
    private readonly topology: Topology,
    private readonly engine: Engine,
  ) {}

  finishInherited(inFlight: InFlightList, onEvent: EventSink): Promise<void> {
    return inFlight.finishInherited(this.engine, onEvent);
  }

  planUp(services: string[], options: PlanUpOptions): Promise<PlannedUp> {
    if (this.host !== LOCAL_HOST) this.builder ??= connectLocalEngine();
    return planUp(this.engine, this.topology, this.host, services, {
      ...options,
      builder: this.builder,
    });
  }

  async planDown({ volumes }: PlanDownOptions): Promise<PlannedDown> {
    const { project, services } = this.topology;
    const observed = await observe(this.engine, project);
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
    // Taking the stack down: a stop is done once its container's exit is seen (the watch is
    // opened before the first stop), and more calls go out at once.
    const exits = options.teardown
      ? this.engine.watchExits({ [LABEL.project]: this.topology.project })
      : undefined;
    try {
      await executePlan(plan, {
        engine: this.engine,
        secretFiles: options.secretFiles ?? (() => []),
        onEvent: options.onEvent,
        signal: options.signal,
        ...(exits ? { exits, concurrency: 16 } : {}),
        ...(options.inFlight ? { inFlight: options.inFlight } : {}),
      });
    } finally {
      exits?.close();
    }
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

  async exec(service: string, options: ExecOptions): Promise<number> {
    const container = await runningContainer(this.engine, this.topology.project, service);
    return this.engine.exec(container.id, options);
  }

  async build(
    services: string[],
    options: { noCache: boolean; onEvent: EventSink },
  ): Promise<BuiltImage[]> {
    const result = await resolveImages(this.engine, this.topology, services, {
      forceBuild: true,
      noCache: options.noCache,
      dryRun: false,
      onEvent: options.onEvent,
    });
    return [...result.images].map(([service, image]) => ({
      service,
      ref: image.ref,
      id: image.id,
    }));
  }

  explain(error: unknown): Promise<unknown> {
    return explainFailure(this.engine, error);
  }

  async close(): Promise<void> {
    await Promise.all([this.engine.close(), this.builder?.close()]);
  }
}
