/**
 * `clusters:` (issue 20): Swarm clusters of SSH hosts, a placement services name in `host:`,
 * and `networks.NAME.encrypted`.
 */
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../src/config/index.ts';
import { runtimeOf } from '../../../src/model/topology.ts';
import { FIXTURE_FILE, problemsOf, yaml } from './helpers.ts';

const HOSTS = [
  'hosts:',
  '  m1: { ssh: root@10.0.0.1 }',
  '  m2: { ssh: root@10.0.0.2 }',
  '  m3: { ssh: root@10.0.0.3 }',
  '  w1: { ssh: root@10.0.0.4 }',
];

function load(text: string) {
  return parseTopologyText(text, FIXTURE_FILE, {}, { home: '/home/tester' });
}

describe('clusters', () => {
  it('normalises a cluster and places services on it as swarm', () => {
    const topology = load(
      yaml(
        'project: t',
        ...HOSTS,
        'clusters:',
        '  prod: { managers: [m1, m2, m3], workers: [w1], edge: [w1] }',
        'networks:',
        '  back: { internal: true, encrypted: false }',
        '  front: {}',
        'services:',
        '  a: { image: nginx:1, host: prod, networks: [back, front] }',
      ),
    );
    expect(topology.clusters.prod).toEqual({
      name: 'prod',
      managers: ['m1', 'm2', 'm3'],
      workers: ['w1'],
      edge: ['w1'],
    });
    expect(topology.services.a?.host).toBe('prod');
    expect(runtimeOf(topology, 'prod')).toBe('swarm');
    expect(runtimeOf(topology, 'm1')).toBe('docker');
    expect(topology.networks.back).toEqual({ name: 'back', internal: true, encrypted: false });
    expect(topology.networks.front?.encrypted).toBe(true);
  });

  it('runs the edge proxy on every member unless edge: says otherwise', () => {
    const topology = load(
      yaml(
        'project: t',
        ...HOSTS,
        'clusters:',
        '  c: { managers: [m1], workers: [w1] }',
        'services:',
        '  a: { image: nginx:1, host: c }',
      ),
    );
    expect(topology.clusters.c?.edge).toEqual(['m1', 'w1']);
  });

  it('reports every member problem with its path', () => {
    expect(
      problemsOf(
        yaml(
          'project: t',
          ...HOSTS,
          'clusters:',
          '  m1: { managers: [m1, m2], workers: [local, nope, m2], edge: [w1] }',
          'services:',
          '  a: { image: nginx:1, host: m1 }',
        ),
      ),
    ).toEqual([
      '8:3 clusters.m1: "m1" is already a host\'s name — a cluster needs a name of its own (services choose one or the other in host:)',
      '8:19 clusters.m1.managers: 2 managers tolerate no more failures than 1 (raft needs a majority) — use an odd number: 1, 3 or 5',
      '8:39 clusters.m1.workers[0]: a cluster is made of SSH hosts; "local" (this machine) cannot join one — declare the machine under hosts:',
      '8:46 clusters.m1.workers[1]: unknown host "nope" (expected one of: m1, m2, m3, w1)',
      '8:52 clusters.m1.workers[2]: host "m2" is already a member of this cluster — a host joins one cluster, once',
      '8:64 clusters.m1.edge[0]: edge node "w1" is not a member of cluster "m1" — list it under managers or workers',
    ]);
  });

  it('refuses a member that is a plain server', () => {
    expect(
      problemsOf(
        yaml(
          'project: t',
          'hosts:',
          '  s1: { ssh: root@10.0.0.1, runtime: systemd }',
          'clusters:',
          '  c: { managers: [s1] }',
          'services:',
          '  a: { image: nginx:1, host: c }',
        ),
      ),
    ).toEqual([
      '5:19 clusters.c.managers[0]: host "s1" has runtime: systemd — cluster members run Docker (remove its runtime: or leave it out of the cluster)',
    ]);
  });

  it('names clusters among the placements of an unknown host', () => {
    const problems = problemsOf(
      yaml(
        'project: t',
        ...HOSTS,
        'clusters:',
        '  prod: { managers: [m1] }',
        'services:',
        '  a: { image: nginx:1, host: prd }',
      ),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('prod');
  });
});
