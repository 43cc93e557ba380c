/**
 * reconcile(desired, observed, options) → Plan. Pure: no engine, no files, no clock. Tests call
 * it with literal states and compare the formatted plan as text.
 *
 * It reads as a table of contents, like docker compose's pkg/compose/reconcile.go: each step is
 * a planner in reconcile/ that appends operations to one list, in the order the plan lists them.
 */
import { planCertificates } from './reconcile/certificates.ts';
import { planContainers } from './reconcile/containers.ts';
import type { Reconciliation } from './reconcile/context.ts';
import { planNetworks } from './reconcile/networks.ts';
import { planOrphans } from './reconcile/orphans.ts';
import { planProxy } from './reconcile/proxy.ts';
import { planReadiness } from './reconcile/readiness.ts';
import { planVolumes } from './reconcile/volumes.ts';
import { findCriticalStart } from './schedule.ts';
import type { DesiredState, ObservedState, Plan, ReconcileOptions } from './types.ts';

/** Compute the operations that take the engine from `observed` to `desired`. */
export function reconcile(
  desired: DesiredState,
  observed: ObservedState,
  options: ReconcileOptions,
): Plan {
  const r: Reconciliation = { desired, observed, options, operations: [] };
  // Networks and volumes first: new containers follow them, so their ids must be known.
  const networks = planNetworks(r);
  const volumes = planVolumes(r);
  // Per service: keep, start again, or create and replace; each start names the waits it follows.
  const containers = planContainers(r, { networks, volumes });
  // The waits those starts follow, and with --wait one per started service.
  planReadiness(r, containers.starts, containers.containerIds);
  // The edge proxy, and the switch of web services to their new releases once they answer.
  planProxy(r, networks, containers);
  // Containers of services the topology no longer has: listed, removed only on request.
  const orphans = planOrphans(r);
  // Last: once the proxy serves the new routes, the certificates of their tls: auto hostnames.
  planCertificates(r);
  // The plan is complete: choose the start the executor launches first (see Plan.first).
  const first = findCriticalStart(r.operations);
  return {
    project: desired.project,
    host: desired.host,
    operations: r.operations,
    unchanged: containers.unchanged.sort(),
    starting: containers.starting.sort(),
    orphans,
    ...(first ? { first } : {}),
  };
}
