/**
 * Containers: for each service, leave its container as it is, start it again, or create a new
 * one and remove the old. A container belongs to a service by its service label, and matches the
 * service's configuration by its config-hash label (spec, image ID, networks, secrets: desired.ts).
 */
import type { ContainerSummary } from '../../engine/engine.ts';
import { containerName } from '../../model/names.ts';
import { compareText } from '../../model/order.ts';
import type { DesiredService } from '../types.ts';
import { addOperation, type Created, type Reconciliation } from './context.ts';
import { describeCreateCause, groupByService, isSettled, pickReusable } from './match.ts';
import { listDependencyWaits, type PlannedStart } from './readiness.ts';
import { planRemovals } from './removals.ts';
import { planReplicas } from './replicas.ts';
import { planCreate } from './setup.ts';

/** The networks and volumes this plan creates, which new containers must follow. */
export interface CreatedResources {
  networks: Created;
  volumes: Created;
}

/** What the container planner hands on to the readiness planner and the plan's summary. */
export interface ContainerOutcome {
  starts: PlannedStart[];
  /** Container id per service when it is known before the plan runs (kept or started again). */
  containerIds: Map<string, string>;
  /** Services that need nothing. */
  unchanged: string[];
  /** Unchanged services whose health check has not passed yet. */
  starting: string[];
  /**
   * Web services' new releases: the container name (of each replica, `names`), and the old
   * containers that serve until the switch.
   */
  releases: Map<string, WebRelease>;
  /** Web services with several replicas kept as they are: their containers' names. */
  serving: Map<string, string[]>;
}

/** A web service's new release. */
export interface WebRelease {
  /** The (first) container's name. */
  name: string;
  /** Every replica's container name. */
  names: string[];
  retiring: ContainerSummary[];
}

/** Plan every service's container, in name order so that a plan reads the same every time. */
export function planContainers(r: Reconciliation, created: CreatedResources): ContainerOutcome {
  const outcome: ContainerOutcome = {
    starts: [],
    containerIds: new Map(),
    unchanged: [],
    starting: [],
    releases: new Map(),
    serving: new Map(),
  };
  const byService = groupByService(r.observed.containers);
  for (const service of [...r.desired.services].sort((a, b) => compareText(a.name, b.name))) {
    const containers = byService.get(service.name) ?? [];
    if (service.web && service.replicas > 1) {
      planReplicas(r, outcome, service, containers, created);
      continue;
    }
    const keep = r.options.forceRecreate ? undefined : pickReusable(containers, service.hash);
    const stale = containers.filter((c) => c !== keep);
    if (keep && isSettled(keep, service) && stale.length === 0)
      keepContainer(outcome, service, keep);
    else if (keep) restartContainer(r, outcome, service, keep, stale);
    else replaceContainers(r, outcome, service, containers, created);
  }
  return outcome;
}

/** Leave the container as it is; note it if its health check has not passed yet. */
function keepContainer(outcome: ContainerOutcome, service: DesiredService, keep: ContainerSummary) {
  outcome.containerIds.set(service.name, keep.id);
  outcome.unchanged.push(service.name);
  if (keep.health === 'starting' || keep.health === 'unhealthy')
    outcome.starting.push(service.name);
}

/** The right container exists but is stopped: start it again, and drop any stale extras first. */
function restartContainer(
  r: Reconciliation,
  outcome: ContainerOutcome,
  service: DesiredService,
  keep: ContainerSummary,
  stale: ContainerSummary[],
): void {
  const cause = 'duplicate or outdated container of this service';
  const removed = planRemovals(r, service.name, stale, {
    timeoutS: service.stopTimeoutS,
    after: [],
    cause,
  });
  outcome.containerIds.set(service.name, keep.id);
  planStart(r, outcome, service, keep.id, removed, `container is ${keep.state}`);
}

/**
 * Create a container from the service's configuration and replace the old ones with it. The old
 * ones stop only once the new one is set up, so the service is down for the stop and start alone;
 * one with the new name (left by an interrupted run) must go before the create, which it blocks.
 */
function replaceContainers(
  r: Reconciliation,
  outcome: ContainerOutcome,
  service: DesiredService,
  containers: ContainerSummary[],
  created: CreatedResources,
): void {
  const base = containerName(r.desired.project, service.name, service.hash);
  const newName = service.web ? releaseName(base, containers) : base;
  const clashing = containers.filter((c) => c.name === newName);
  const spec = newName === base ? service.spec : { ...service.spec, name: newName };
  const timeoutS = service.stopTimeoutS;
  const cleared = planRemovals(r, service.name, clashing, {
    timeoutS,
    after: [],
    cause: 'same name as the container to create',
  });
  const setup = planCreate(r, service, spec, created, {
    after: cleared,
    cause: describeCreateCause(containers, service.hash, r.options.forceRecreate),
  });
  const old = containers.filter((c) => !clashing.includes(c));
  if (service.web) {
    // Blue/green: the old release serves until the proxy has switched to this one and drained
    // it (reconcile/proxy.ts plans that and the old one's removal).
    outcome.releases.set(service.name, { name: newName, names: [newName], retiring: old });
    const cause = old.length > 0 ? 'new release, beside the one serving' : 'new container';
    planStart(r, outcome, service, undefined, setup, cause);
    return;
  }
  const replaced = planRemovals(r, service.name, old, {
    timeoutS,
    after: [...setup],
    cause: 'replaced by the new container',
  });
  planStart(r, outcome, service, undefined, [...setup, ...replaced], 'new container');
}

/**
 * A web release's container name: the configuration's own, or, when a running container has it
 * (`--force-recreate`), the first `-2`, `-3`… free, so the new release can start beside it.
 */
export function releaseName(base: string, containers: ContainerSummary[]): string {
  const taken = new Set(
    containers.filter((c) => c.state !== 'created' && c.state !== 'exited').map((c) => c.name),
  );
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}-${n}`)) n++;
  return `${base}-${n}`;
}

/**
 * Start the container once `after` is done and the services it depends on are ready;
 * `instance` names one replica of several (`web#2`).
 */
export function planStart(
  r: Reconciliation,
  outcome: ContainerOutcome,
  service: DesiredService,
  containerId: string | undefined,
  after: string[],
  cause: string,
  instance?: string,
): void {
  const waits = listDependencyWaits(r.desired, service).map((w) => w.id);
  const startId = addOperation(r, {
    id: `start:${instance ?? service.name}`,
    operation: {
      kind: 'start-container',
      service: service.name,
      containerId,
      ...(instance ? { instance } : {}),
    },
    after: [...after, ...waits],
    cause,
  });
  outcome.starts.push({ service, startId, ...(instance ? { instance } : {}) });
}
