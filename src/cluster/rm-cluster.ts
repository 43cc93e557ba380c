/**
 * `cluster rm`: every member leaves the swarm, ending it. Managers are demoted first, one at a
 * time, so the swarm keeps its quorum until the end; then the others leave together; the last
 * manager (the one the run talks through) leaves last, with force, since its leaving ends the
 * swarm. Planned purely (planRemoval, tested as text), then carried out.
 */
import type { EventSink } from '../apply/events.ts';
import { NotesctlError } from '../errors.ts';
import { leaveSwarm, readLocalSwarm } from '../engine/swarm-cluster.ts';
import { countServices, removeGatewayBridge, updateNode } from '../engine/swarm-nodes.ts';
import { NODE_LABEL } from '../model/cluster-names.ts';
import { LABEL } from '../model/names.ts';
import type { Cluster, Topology } from '../model/topology.ts';
import type { HostAccess } from '../targets/open.ts';
import { openMembers, type MemberLink } from './members.ts';
import { membersOf, type ObservedCluster } from './membership.ts';
import { observeMembers } from './observe.ts';
import { pollUntil } from './poll.ts';

/** One step of a removal. */
export type RemovalStep =
  | { kind: 'demote'; host: string; nodeId: string }
  | { kind: 'leave'; host: string; force: boolean }
  | { kind: 'skip'; host: string; why: string };

/** The steps that take every member of `cluster` out of its swarm (none: no swarm). */
export function planRemoval(
  cluster: Cluster,
  observed: Omit<ObservedCluster, 'leaving'>,
): RemovalStep[] {
  const { control } = observed;
  const steps: RemovalStep[] = [];
  const ours = (host: string) => {
    const m = observed.members[host];
    return m?.state === 'active' && observed.nodes.some((n) => n.id === m.nodeId);
  };
  for (const { host } of membersOf(cluster)) {
    const m = observed.members[host];
    if (m === undefined || m.state === 'inactive') continue;
    if (!ours(host)) steps.push({ kind: 'skip', host, why: 'in another swarm: left as it is' });
    else if (host !== control && m.isManager)
      steps.push({ kind: 'demote', host, nodeId: m.nodeId });
  }
  for (const { host } of membersOf(cluster))
    if (host !== control && ours(host)) steps.push({ kind: 'leave', host, force: false });
  if (control !== undefined) steps.push({ kind: 'leave', host: control, force: true });
  return steps;
}

/** One line per step. */
export function describeRemoval(step: RemovalStep): string {
  if (step.kind === 'demote') return `demote ${step.host} to worker`;
  if (step.kind === 'skip') return `skip ${step.host} (${step.why})`;
  return `${step.host} leaves the swarm${step.force ? ' (the last manager: the swarm ends)' : ''}`;
}

/** What `cluster rm` found before asking. */
export interface RemovalCheck {
  steps: RemovalStep[];
  /** Swarm services of the project running on the cluster. */
  services: number;
  done: () => Promise<void>;
  run: (sink: EventSink) => Promise<void>;
}

async function carryOut(
  links: Map<string, MemberLink>,
  control: string | undefined,
  steps: RemovalStep[],
  sink: EventSink,
): Promise<void> {
  const engine = (host: string) => {
    const link = links.get(host);
    if (!link) throw new NotesctlError(`host ${host} is not connected (a bug in notesctl)`);
    return link.engine;
  };
  let n = 0;
  const op = async (step: RemovalStep, fn: () => Promise<void>) => {
    const id = `cluster-rm-${++n}`;
    const text = describeRemoval(step);
    const started = Date.now();
    sink({ type: 'op-start', id, service: undefined, text });
    await fn().catch((error: unknown) => {
      sink({ type: 'op-failed', id, text, error: (error as Error).message });
      throw error;
    });
    sink({ type: 'op-done', id, text, ms: Date.now() - started });
  };
  for (const step of steps) {
    if (step.kind === 'skip') sink({ type: 'note', text: describeRemoval(step) });
    if (step.kind !== 'demote') continue;
    await op(step, async () => {
      await updateNode(engine(control ?? ''), step.nodeId, { role: 'worker' });
      await pollUntil(`${step.host} to be a worker`, 20_000, async () => {
        return !(await readLocalSwarm(engine(step.host))).isManager;
      });
    });
  }
  const leave = async (host: string, force: boolean) => {
    await leaveSwarm(engine(host), force);
    await removeGatewayBridge(engine(host));
  };
  const leaves = steps.filter((s) => s.kind === 'leave');
  await Promise.all(leaves.filter((s) => !s.force).map((s) => op(s, () => leave(s.host, false))));
  for (const s of leaves.filter((l) => l.force)) await op(s, () => leave(s.host, true));
}

/** Reach every member, see what the removal would do and what runs there; run() carries it out. */
export async function checkRemoval(
  topology: Topology,
  cluster: Cluster,
  access: HostAccess,
): Promise<RemovalCheck> {
  const hosts = membersOf(cluster).map((m) => m.host);
  const members = await openMembers(hosts, topology, access, true);
  try {
    const seen = await observeMembers(cluster, members.links);
    // The leader goes last: demoting it would cost an election (~8 s) for each manager after it.
    const leader = seen.nodes.find((n) => n.leader)?.labels[NODE_LABEL.host];
    const control = leader !== undefined && leader in seen.members ? leader : seen.control;
    const observed = { ...seen, control };
    const manager = control === undefined ? undefined : members.links.get(control)?.engine;
    const services = manager
      ? await countServices(manager, { [LABEL.project]: topology.project })
      : 0;
    const steps = planRemoval(cluster, observed);
    return {
      steps,
      services,
      done: () => members.close(),
      run: (sink) => carryOut(members.links, control, steps, sink),
    };
  } catch (error) {
    await members.close();
    throw error instanceof Error ? error : new NotesctlError(String(error));
  }
}
