/**
 * A web service with several replicas (`replicas: N`, issue 19): N containers behind the edge
 * proxy, which balances across them. A change starts N new containers beside the N that serve
 * (a release), each checked through the proxy, then one switch moves traffic to all of them and
 * the old ones drain — so fewer than N healthy upstreams never serve, not even for a moment.
 * Replica i's container is `<release>-r<i>`; the first replica's steps carry the service's own
 * keys (`create:web`), the others `web#2`, `web#3`…
 */
import type { ContainerSummary } from '../../engine/engine.ts';
import { containerName, LABEL } from '../../model/names.ts';
import type { DesiredService } from '../types.ts';
import type { Reconciliation } from './context.ts';
import type { ContainerOutcome, CreatedResources } from './containers.ts';
import { planStart } from './containers.ts';
import { describeCreateCause, isSettled } from './match.ts';
import { planRemovals } from './removals.ts';
import { planCreate } from './setup.ts';

/** The key of replica `index` (0-based): the service's own name for the first. */
export function replicaKey(service: string, index: number): string | undefined {
  return index === 0 ? undefined : `${service}#${index + 1}`;
}

/** Keep the N replicas when they run this configuration; else plan a new release of N. */
export function planReplicas(
  r: Reconciliation,
  outcome: ContainerOutcome,
  service: DesiredService,
  containers: ContainerSummary[],
  created: CreatedResources,
): void {
  const current = containers.filter(
    (c) => c.labels[LABEL.configHash] === service.hash && isSettled(c, service),
  );
  if (
    !r.options.forceRecreate &&
    current.length === service.replicas &&
    containers.length === current.length
  ) {
    outcome.unchanged.push(service.name);
    outcome.serving.set(
      service.name,
      current.map((c) => c.name),
    );
    if (current.some((c) => c.health === 'starting' || c.health === 'unhealthy'))
      outcome.starting.push(service.name);
    return;
  }
  const names = replicaNames(
    containerName(r.desired.project, service.name, service.hash),
    containers,
    service.replicas,
  );
  // Containers with these names (left by an interrupted run) block the creates: they go first.
  const clashing = containers.filter((c) => names.includes(c.name));
  const cleared = planRemovals(r, service.name, clashing, {
    timeoutS: service.stopTimeoutS,
    after: [],
    cause: 'same name as the container to create',
  });
  const cause = describeCreateCause(containers, service.hash, r.options.forceRecreate);
  const retiring = containers.filter((c) => !clashing.includes(c));
  names.forEach((name, index) => {
    const instance = replicaKey(service.name, index);
    const setup = planCreate(r, service, { ...service.spec, name }, created, {
      after: cleared,
      cause: `${cause} (replica ${index + 1} of ${service.replicas})`,
      instance,
    });
    const why = retiring.length > 0 ? 'new release, beside the one serving' : 'new container';
    planStart(r, outcome, service, undefined, setup, why, instance);
  });
  outcome.releases.set(service.name, { name: names[0] ?? '', names, retiring });
}

/**
 * The names of a release's replicas: `<base>-r1`…`<base>-rN`, or, when running containers have
 * those (`--force-recreate`), `<base>-2-r1`…, the first generation free.
 */
function replicaNames(base: string, containers: ContainerSummary[], replicas: number): string[] {
  const running = new Set(
    containers.filter((c) => c.state !== 'created' && c.state !== 'exited').map((c) => c.name),
  );
  const namesOf = (release: string) =>
    Array.from({ length: replicas }, (_, i) => `${release}-r${i + 1}`);
  let release = base;
  for (let n = 2; namesOf(release).some((name) => running.has(name)); n++) release = `${base}-${n}`;
  return namesOf(release);
}
