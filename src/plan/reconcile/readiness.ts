/**
 * Readiness: the waits between a service and those that depend on it (`depends_on` with
 * `service_started`/`service_healthy`/`service_completed_successfully`), and, with `--wait`, one
 * for every service this plan starts. A wait is a read, not an engine change: `up` on a converged
 * engine plans none, because it starts nothing.
 */
import type { DependencyCondition } from '../../model/topology.ts';
import type { DesiredService, DesiredState } from '../types.ts';
import { addOperation, type Reconciliation } from './context.ts';

/** A wait until `service` reaches `condition`, and why it is needed. */
export interface ReadinessWait {
  id: string;
  service: DesiredService;
  /** One replica of several (`web#2`); undefined: the service's first (or only) container. */
  instance?: string | undefined;
  condition: DependencyCondition;
  cause: string;
}

/** A start this plan sends, for the waits on its service to follow. */
export interface PlannedStart {
  service: DesiredService;
  startId: string;
  /** One replica of several (`web#2`); undefined: the service's first (or only) container. */
  instance?: string | undefined;
}

/**
 * The waits `service`'s start follows, one per dependency in scope, in `depends_on` order. The
 * container planner puts their ids in the start's `after` and planReadiness creates them, so a
 * start is complete when it is planned and nothing patches it afterwards.
 */
export function listDependencyWaits(
  desired: DesiredState,
  service: DesiredService,
): ReadinessWait[] {
  return Object.entries(service.dependsOn).flatMap(([name, condition]) => {
    const dependency = desired.services.find((s) => s.name === name);
    const cause = `${service.name} depends on it (${condition})`;
    return dependency ? [waitFor(dependency, condition, cause)] : [];
  });
}

/**
 * Plan each wait once: first those the starts depend on (in start order), then with `--wait` one
 * for each started service that no dependent waits for already.
 */
export function planReadiness(
  r: Reconciliation,
  starts: PlannedStart[],
  containerIds: ReadonlyMap<string, string>,
): void {
  const waits = starts.flatMap((start) => listDependencyWaits(r.desired, start.service));
  if (r.options.wait) {
    const unwaited = starts.filter(
      (s) => s.instance !== undefined || !waits.some((w) => w.service.name === s.service.name),
    );
    waits.push(...unwaited.map((s) => waitUntilReady(s.service, s.instance)));
  }
  const planned = new Set<string>();
  for (const wait of waits) {
    if (planned.has(wait.id)) continue;
    planned.add(wait.id);
    const startId = starts.find(
      (s) => s.service.name === wait.service.name && s.instance === wait.instance,
    )?.startId;
    const known = wait.instance ? undefined : containerIds.get(wait.service.name);
    planWait(r, wait, startId, known);
  }
}

/** `--wait`: healthy if the service has a health check, else started. */
function waitUntilReady(service: DesiredService, instance?: string): ReadinessWait {
  const condition: DependencyCondition = service.readiness.test ? 'healthy' : 'started';
  return waitFor(service, condition, 'up waits until every started service is ready', instance);
}

function waitFor(
  service: DesiredService,
  condition: DependencyCondition,
  cause: string,
  instance?: string,
): ReadinessWait {
  const id = `ready:${instance ?? service.name}:${condition}`;
  return { id, service, condition, cause, ...(instance ? { instance } : {}) };
}

/**
 * One wait, after the service's start when this plan starts it. The container id is known for
 * kept or restarted containers; a new container's id comes from its create step.
 */
function planWait(
  r: Reconciliation,
  wait: ReadinessWait,
  startId: string | undefined,
  containerId: string | undefined,
): void {
  addOperation(r, {
    id: wait.id,
    operation: {
      kind: 'wait-ready',
      service: wait.service.name,
      ...(wait.instance ? { instance: wait.instance } : {}),
      condition: wait.condition,
      containerId,
      readiness: wait.service.readiness,
    },
    after: startId ? [startId] : [],
    cause: wait.cause,
  });
}
