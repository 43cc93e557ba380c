/**
 * What `cluster up` must do (issue 20), decided without touching anything: the cluster as the
 * topology declares it + what its hosts and its swarm report → problems that stop the run, or
 * the steps that converge membership, roles and node labels. Tested as text (membership.test.ts).
 */
import { NODE_LABEL } from '../model/cluster-names.ts';
import type { Cluster } from '../model/topology.ts';
import type { Labels } from '../engine/engine.ts';
import type { LocalSwarmState } from '../engine/swarm-cluster.ts';
import type { SwarmNode } from '../engine/swarm-nodes.ts';

/** A member's own swarm state and the address it advertises (its SSH address). */
export interface MemberState extends LocalSwarmState {
  advertiseAddr: string;
}

/** What observe.ts found. */
export interface ObservedCluster {
  /** Every member of the topology's cluster, by host name. */
  members: Record<string, MemberState>;
  /** The manager the run talks through: the first member (managers first) managing a swarm. */
  control: string | undefined;
  /** The control manager's node list ([] without one). */
  nodes: SwarmNode[];
  /** Hosts of this cluster's nodes that the topology no longer lists: their state, if reachable. */
  leaving: Record<string, LocalSwarmState | undefined>;
}

/** One step of the plan: one or a few engine calls, with a cause. */
export type MembershipStep =
  | { kind: 'init'; host: string; advertiseAddr: string }
  | { kind: 'join'; host: string; role: 'manager' | 'worker'; advertiseAddr: string }
  | { kind: 'update'; host: string; labels?: Labels; role?: 'manager' | 'worker'; cause: string }
  /** `reachable`: the host answers, so its tasks stop and the drain can wait for that. */
  | { kind: 'drain'; host: string; nodeId: string; demote: boolean; reachable: boolean }
  | { kind: 'leave'; host: string }
  | { kind: 'remove-node'; host: string; nodeId: string; cause: string };

/** The plan: problems (nothing is done when there are any), else steps (empty: converged). */
export interface MembershipPlan {
  problems: string[];
  steps: MembershipStep[];
}

/** The label keys notesctl owns on a node. */
const OWN_LABELS: string[] = Object.values(NODE_LABEL);

/** The members in order: managers first, then workers. */
export function membersOf(cluster: Cluster): { host: string; role: 'manager' | 'worker' }[] {
  return [
    ...cluster.managers.map((host) => ({ host, role: 'manager' as const })),
    ...cluster.workers.map((host) => ({ host, role: 'worker' as const })),
  ];
}

/** The manager to talk through: the first listed manager that manages a swarm now. */
export function chooseControl(
  cluster: Cluster,
  members: Record<string, LocalSwarmState>,
): string | undefined {
  return cluster.managers.find((h) => members[h]?.state === 'active' && members[h].isManager);
}

/** The labels a member's node should carry: the user's own, plus notesctl's. */
export function desiredLabels(cluster: Cluster, host: string, current: Labels = {}): Labels {
  const kept = Object.fromEntries(Object.entries(current).filter(([k]) => !OWN_LABELS.includes(k)));
  return {
    ...kept,
    [NODE_LABEL.host]: host,
    [NODE_LABEL.cluster]: cluster.name,
    ...(cluster.edge.includes(host) ? { [NODE_LABEL.edge]: 'true' } : {}),
  };
}

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/** Why a member cannot be used as it is; undefined when it can. */
function memberProblem(
  cluster: Cluster,
  host: string,
  m: MemberState,
  observed: ObservedCluster,
  swarmId: string | undefined,
): string | undefined {
  const where = `clusters.${cluster.name}`;
  if (m.state === 'inactive') return undefined;
  if (m.state === 'locked') {
    return `host ${host}: its swarm is locked (autolock) — unlock it on the host (\`notesctl hosts ssh ${host} docker swarm unlock\`), then run \`notesctl cluster up ${cluster.name}\` again`;
  }
  if (m.state !== 'active') {
    return `host ${host}: swarm state "${m.state}"${m.error ? ` (${m.error})` : ''} — make it leave (\`notesctl hosts ssh ${host} docker swarm leave --force\`), then run \`notesctl cluster up ${cluster.name}\` again`;
  }
  const ours =
    observed.control !== undefined &&
    observed.nodes.some((n) => n.id === m.nodeId) &&
    (!m.isManager || m.clusterId === swarmId);
  if (ours) return undefined;
  const managers = m.remoteManagers.length > 0 ? `, managers ${m.remoteManagers.join(' ')}` : '';
  return `host ${host} is already in another swarm (node ${m.nodeId.slice(0, 12)}${managers}) — make it leave that swarm (\`notesctl hosts ssh ${host} docker swarm leave${m.isManager ? ' --force' : ''}\`) or take it out of ${where}, then run \`notesctl cluster up ${cluster.name}\` again`;
}

/** Problems that stop the run before any change. */
function findProblems(cluster: Cluster, observed: ObservedCluster): string[] {
  const control = observed.control;
  const swarmId = control === undefined ? undefined : observed.members[control]?.clusterId;
  const problems: string[] = [];
  const foreign = observed.nodes.find(
    (n) => (n.labels[NODE_LABEL.cluster] ?? cluster.name) !== cluster.name,
  );
  if (control !== undefined && foreign !== undefined) {
    problems.push(
      `host ${control} manages the swarm of cluster "${foreign.labels[NODE_LABEL.cluster] ?? ''}" (node ${foreign.hostname}), not of "${cluster.name}" — remove that cluster first (\`notesctl cluster rm ${foreign.labels[NODE_LABEL.cluster] ?? ''}\`) or use its name`,
    );
  }
  for (const { host } of membersOf(cluster)) {
    const m = observed.members[host];
    const problem = m && memberProblem(cluster, host, m, observed, swarmId);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/** Joins (or init) for members not in the swarm, then label and role updates for every member. */
function convergeMembers(cluster: Cluster, observed: ObservedCluster): MembershipStep[] {
  const steps: MembershipStep[] = [];
  let control = observed.control;
  for (const { host, role } of membersOf(cluster)) {
    const m = observed.members[host];
    if (m === undefined) continue;
    const node = observed.nodes.find((n) => n.id === m.nodeId && m.state === 'active');
    if (node === undefined) {
      if (control === undefined) {
        steps.push({ kind: 'init', host, advertiseAddr: m.advertiseAddr });
        control = host;
      } else {
        steps.push({ kind: 'join', host, role, advertiseAddr: m.advertiseAddr });
      }
      steps.push({ kind: 'update', host, labels: desiredLabels(cluster, host), cause: 'new node' });
      continue;
    }
    const labels = desiredLabels(cluster, host, node.labels);
    const change: MembershipStep = { kind: 'update', host, cause: '' };
    const causes: string[] = [];
    if (!sameLabels(labels, node.labels)) {
      change.labels = labels;
      causes.push('labels differ');
    }
    if (node.role !== role) {
      change.role = role;
      causes.push(`${role === 'manager' ? 'promote' : 'demote'}: listed under ${role}s`);
    }
    if (causes.length > 0) steps.push({ ...change, cause: causes.join('; ') });
  }
  return steps;
}

/** Drain, leave and remove the nodes of hosts the topology no longer lists; stale entries too. */
function removeLeavers(cluster: Cluster, observed: ObservedCluster): MembershipStep[] {
  const steps: MembershipStep[] = [];
  const members = new Set(membersOf(cluster).map((m) => m.host));
  for (const node of observed.nodes) {
    const host = node.labels[NODE_LABEL.host];
    if (host === undefined || node.labels[NODE_LABEL.cluster] !== cluster.name) continue;
    if (members.has(host)) {
      if (observed.members[host]?.nodeId !== node.id) {
        const cause = `stale entry of ${host} (${node.state}), which is now node ${observed.members[host]?.nodeId.slice(0, 12) ?? '?'}`;
        steps.push({ kind: 'remove-node', host, nodeId: node.id, cause });
      }
      continue;
    }
    const own = observed.leaving[host];
    const reachable = own?.state === 'active' && own.nodeId === node.id;
    if (node.availability !== 'drain' || node.role === 'manager')
      steps.push({
        kind: 'drain',
        host,
        nodeId: node.id,
        demote: node.role === 'manager',
        reachable,
      });
    if (reachable) steps.push({ kind: 'leave', host });
    steps.push({
      kind: 'remove-node',
      host,
      nodeId: node.id,
      cause: reachable
        ? `not in clusters.${cluster.name}`
        : `not in clusters.${cluster.name}; the host cannot be reached to leave by itself`,
    });
  }
  return steps;
}

/** Plan `cluster up`: problems, or the steps (none when the cluster already matches). */
export function planMembership(cluster: Cluster, observed: ObservedCluster): MembershipPlan {
  const problems = findProblems(cluster, observed);
  if (problems.length > 0) return { problems, steps: [] };
  return {
    problems: [],
    steps: [...convergeMembers(cluster, observed), ...removeLeavers(cluster, observed)],
  };
}

/** One line per step, as `cluster up` shows and tests compare them. */
export function describeStep(step: MembershipStep): string {
  switch (step.kind) {
    case 'init':
      return `init swarm on ${step.host} (advertise ${step.advertiseAddr})`;
    case 'join':
      return `join ${step.host} as ${step.role} (advertise ${step.advertiseAddr})`;
    case 'update': {
      const what = [
        ...(step.role ? [`role ${step.role}`] : []),
        ...(step.labels
          ? [
              `labels ${Object.entries(step.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}`,
            ]
          : []),
      ];
      return `update node ${step.host}: ${what.join(', ')} (${step.cause})`;
    }
    case 'drain':
      return `drain ${step.host}${step.demote ? ' and demote it to worker' : ''}`;
    case 'leave':
      return `${step.host} leaves the swarm`;
    case 'remove-node':
      return `remove node ${step.nodeId.slice(0, 12)} of ${step.host} (${step.cause})`;
  }
}
