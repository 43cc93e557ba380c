/**
 * The cluster planners (issue 20), without Docker: the topology's cluster + what its hosts and
 * swarm report → problems or steps, compared as the text `cluster up` and `cluster rm` show.
 */
import { describe, expect, it } from 'vitest';
import {
  planMembership,
  describeStep,
  type ObservedCluster,
} from '../../../src/cluster/membership.ts';
import { describeRemoval, planRemoval } from '../../../src/cluster/rm-cluster.ts';
import type { SwarmNode } from '../../../src/engine/swarm-nodes.ts';
import type { Cluster } from '../../../src/model/topology.ts';

const prod = (workers: string[] = [], managers = ['m1', 'm2', 'm3']): Cluster => ({
  name: 'prod',
  managers,
  workers,
  edge: [...managers, ...workers],
});

const address: Record<string, string> = {
  m1: '10.0.0.1',
  m2: '10.0.0.2',
  m3: '10.0.0.3',
  w1: '10.0.0.4',
  w2: '10.0.0.5',
};

function member(host: string, state = 'inactive', manager = false, clusterId = 'swarm-a') {
  return {
    state,
    nodeId: state === 'active' ? `node-${host}` : '',
    nodeAddr: state === 'active' ? (address[host] ?? '') : '',
    isManager: manager,
    clusterId: manager ? clusterId : undefined,
    remoteManagers: state === 'active' ? ['10.9.9.9:2377'] : [],
    error: '',
    engineVersion: '20.10.24',
    advertiseAddr: address[host] ?? '',
  };
}

function node(
  host: string,
  role: 'manager' | 'worker',
  labels?: Record<string, string>,
): SwarmNode {
  return {
    id: `node-${host}`,
    version: 1,
    hostname: host,
    role,
    availability: 'active',
    state: 'ready',
    addr: address[host] ?? '',
    labels: labels ?? {
      'io.notesctl.host': host,
      'io.notesctl.cluster': 'prod',
      'io.notesctl.edge': 'true',
    },
    leader: host === 'm1',
    reachability: role === 'manager' ? 'reachable' : undefined,
    managerAddr: role === 'manager' ? `${address[host] ?? ''}:2377` : undefined,
    engineVersion: '20.10.24',
  };
}

/** A running swarm of m1-m3 (managers) plus `workers`, all labelled. */
function running(workers: string[] = []): Omit<ObservedCluster, 'leaving'> {
  const managers = ['m1', 'm2', 'm3'];
  return {
    members: Object.fromEntries([
      ...managers.map((h) => [h, member(h, 'active', true)] as const),
      ...workers.map((h) => [h, member(h, 'active')] as const),
    ]),
    control: 'm1',
    nodes: [...managers.map((h) => node(h, 'manager')), ...workers.map((h) => node(h, 'worker'))],
  };
}

function plan(cluster: Cluster, observed: ObservedCluster): string {
  const result = planMembership(cluster, observed);
  return [...result.problems.map((p) => `PROBLEM ${p}`), ...result.steps.map(describeStep)].join(
    '\n',
  );
}

describe('planMembership', () => {
  it('inits the swarm on the first manager, joins the others, labels every node', () => {
    const members = Object.fromEntries(['m1', 'm2', 'm3'].map((h) => [h, member(h)]));
    expect(plan(prod(), { members, control: undefined, nodes: [], leaving: {} })).toBe(
      [
        'init swarm on m1 (advertise 10.0.0.1)',
        'update node m1: labels io.notesctl.host=m1 io.notesctl.cluster=prod io.notesctl.edge=true (new node)',
        'join m2 as manager (advertise 10.0.0.2)',
        'update node m2: labels io.notesctl.host=m2 io.notesctl.cluster=prod io.notesctl.edge=true (new node)',
        'join m3 as manager (advertise 10.0.0.3)',
        'update node m3: labels io.notesctl.host=m3 io.notesctl.cluster=prod io.notesctl.edge=true (new node)',
      ].join('\n'),
    );
  });

  it('changes nothing when the swarm already matches', () => {
    expect(plan(prod(), { ...running(), leaving: {} })).toBe('');
  });

  it('joins a new worker with the worker token and labels it', () => {
    const observed = running();
    observed.members.w1 = member('w1');
    expect(plan(prod(['w1']), { ...observed, leaving: {} })).toBe(
      [
        'join w1 as worker (advertise 10.0.0.4)',
        'update node w1: labels io.notesctl.host=w1 io.notesctl.cluster=prod io.notesctl.edge=true (new node)',
      ].join('\n'),
    );
  });

  it('drains a host taken out of the file, makes it leave, removes its node', () => {
    const observed = running(['w1']);
    delete observed.members.w1;
    expect(plan(prod(), { ...observed, leaving: { w1: member('w1', 'active') } })).toBe(
      ['drain w1', 'w1 leaves the swarm', 'remove node node-w1 of w1 (not in clusters.prod)'].join(
        '\n',
      ),
    );
  });

  it('removes the node of a host it cannot reach without asking it to leave', () => {
    const observed = running(['w1']);
    delete observed.members.w1;
    expect(plan(prod(), { ...observed, leaving: { w1: undefined } })).toBe(
      [
        'drain w1',
        'remove node node-w1 of w1 (not in clusters.prod; the host cannot be reached to leave by itself)',
      ].join('\n'),
    );
  });

  it('demotes a manager that is now listed as a worker, keeps the user’s own labels', () => {
    const observed = running(['w1']);
    const w1 = observed.nodes.find((n) => n.id === 'node-w1');
    if (w1) w1.labels = { ...w1.labels, zone: 'b', 'io.notesctl.edge': 'false' };
    const cluster = { ...prod(['m3', 'w1'], ['m1', 'm2']), edge: ['m1'] };
    expect(plan(cluster, { ...observed, leaving: {} })).toBe(
      [
        'update node m2: labels io.notesctl.host=m2 io.notesctl.cluster=prod (labels differ)',
        'update node m3: role worker, labels io.notesctl.host=m3 io.notesctl.cluster=prod (labels differ; demote: listed under workers)',
        'update node w1: labels zone=b io.notesctl.host=w1 io.notesctl.cluster=prod (labels differ)',
      ].join('\n'),
    );
  });

  it('stops, naming the host and what to do, when a member is in another swarm', () => {
    const observed = running();
    observed.members.w1 = { ...member('w1', 'active', true, 'swarm-b'), nodeId: 'other-node-1' };
    expect(plan(prod(['w1']), { ...observed, leaving: {} })).toBe(
      'PROBLEM host w1 is already in another swarm (node other-node-1, managers 10.9.9.9:2377) — make it leave that swarm (`notesctl hosts ssh w1 docker swarm leave --force`) or take it out of clusters.prod, then run `notesctl cluster up prod` again',
    );
  });

  it('stops when the first manager manages the swarm of another cluster', () => {
    const observed = running();
    for (const n of observed.nodes) n.labels['io.notesctl.cluster'] = 'staging';
    expect(plan(prod(), { ...observed, leaving: {} })).toMatch(
      /^PROBLEM host m1 manages the swarm of cluster "staging" \(node m1\), not of "prod" — remove that cluster first \(`notesctl cluster rm staging`\)/,
    );
  });
});

describe('planRemoval', () => {
  it('demotes the other managers one by one, lets the rest leave, the control manager last', () => {
    expect(
      planRemoval(prod(['w1']), running(['w1']))
        .map(describeRemoval)
        .join('\n'),
    ).toBe(
      [
        'demote m2 to worker',
        'demote m3 to worker',
        'm2 leaves the swarm',
        'm3 leaves the swarm',
        'w1 leaves the swarm',
        'm1 leaves the swarm (the last manager: the swarm ends)',
      ].join('\n'),
    );
  });

  it('has nothing to do when no member is in a swarm', () => {
    const members = Object.fromEntries(['m1', 'm2', 'm3'].map((h) => [h, member(h)]));
    expect(planRemoval(prod(), { members, control: undefined, nodes: [] })).toEqual([]);
  });
});
