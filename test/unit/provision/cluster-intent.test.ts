// `provision … --cluster` (issue 20): the checks of the flag against the topology, and the lines
// printed for the operator, compared as text.
import { describe, expect, it } from 'vitest';
import type { Cluster, Host, Topology } from '../../../src/model/topology.ts';
import {
  checkClusterIntent,
  clusterNextSteps,
  swarmPortsToOpen,
} from '../../../src/provision/cluster-intent.ts';
import { makeProxySettings } from '../../support/model-fixtures.ts';

function topology(clusters: Record<string, Partial<Cluster>>, hosts: string[] = []): Topology {
  return {
    project: 'shop',
    file: '/srv/shop/notesctl.config.yaml',
    directory: '/srv/shop',
    hosts: Object.fromEntries(hosts.map((name) => [name, { name } as Host])),
    clusters: Object.fromEntries(
      Object.entries(clusters).map(([name, c]) => [
        name,
        { name, managers: [], workers: [], edge: [], ...c },
      ]),
    ),
    networks: {},
    volumes: {},
    secrets: {},
    services: {},
    proxy: makeProxySettings(),
    releases: { keep: 5 },
  };
}

const PROD = topology(
  { prod: { managers: ['m1'], workers: ['w1'] }, staging: { managers: ['s1'] } },
  ['m1'],
);

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    const e = error as Error & { hint?: string };
    return `${e.constructor.name}: ${e.message}${e.hint ? ` | ${e.hint}` : ''}`;
  }
  return 'no error';
}

describe('checkClusterIntent', () => {
  it('knows a declared cluster, the list the host is in, and the other members', () => {
    expect(checkClusterIntent(PROD, 'prod', 'w2')).toEqual({
      cluster: 'prod',
      host: 'w2',
      declared: true,
      others: ['m1', 'w1'],
    });
    expect(checkClusterIntent(PROD, 'prod', 'w1')).toMatchObject({ listedAs: 'workers' });
    expect(checkClusterIntent(PROD, 'eu-west', 'e1')).toEqual({
      cluster: 'eu-west',
      host: 'e1',
      declared: false,
      others: [],
    });
  });

  it('refuses bad input with errors that name the flag', () => {
    expect(
      [
        () => checkClusterIntent(PROD, '-prod', 'w2'),
        () => checkClusterIntent(undefined, 'prod', 'w2'),
        () => checkClusterIntent(PROD, 'm1', 'w2'),
        () => checkClusterIntent(PROD, 'r1', 'w2', ['r1']),
        () => checkClusterIntent(PROD, 'prdo', 'w2'),
        () => checkClusterIntent(PROD, 'prod', 's1'),
      ].map(errorOf),
    ).toEqual([
      'UsageError: --cluster -prod: invalid cluster name: use letters, digits, "_", "." and "-", starting with a letter or digit, at most 63',
      'UsageError: --cluster prod: needs a valid topology file (notesctl.config.yaml, or -f FILE): clusters are declared there, and its project: names the cluster | Write the topology first (docs/topology.md), or provision without --cluster. A host listed under clusters: must exist when the file is read: add the new host there after provisioning it.',
      'UsageError: --cluster m1: "m1" is a host, not a cluster — name a cluster under clusters: in /srv/shop/notesctl.config.yaml (or a new one)',
      'UsageError: --cluster r1: "r1" is a host, not a cluster — name a cluster under clusters: in /srv/shop/notesctl.config.yaml (or a new one)',
      'UsageError: --cluster prdo: not under clusters: in /srv/shop/notesctl.config.yaml — did you mean "prod"? | A new cluster needs a name not this close to an existing one\'s.',
      'UsageError: --cluster prod: host s1 is listed in clusters.staging in /srv/shop/notesctl.config.yaml — a host joins one cluster | Use --cluster staging, or take s1 out of clusters.staging first.',
    ]);
  });
});

describe('what the operator is told', () => {
  it('the topology lines and the next command', () => {
    const file = 'notesctl.config.yaml';
    expect(clusterNextSteps(checkClusterIntent(PROD, 'prod', 'w2'), file).join('\n')).toBe(
      [
        'Add w2 to clusters.prod in notesctl.config.yaml:',
        '  clusters.prod.workers: [w2]   (or managers — keep their number odd: 1, 3 or 5)',
        'Then form or grow the swarm: notesctl cluster up prod',
      ].join('\n'),
    );
    expect(clusterNextSteps(checkClusterIntent(PROD, 'eu', 'e1'), file).join('\n')).toBe(
      [
        'Declare cluster eu in notesctl.config.yaml:',
        '  clusters:',
        '    eu:',
        '      managers: [e1]',
        'Then form or grow the swarm: notesctl cluster up eu',
      ].join('\n'),
    );
    expect(clusterNextSteps(checkClusterIntent(PROD, 'prod', 'w1'), file)[0]).toBe(
      'w1 is already listed in clusters.prod.workers in notesctl.config.yaml.',
    );
  });

  it('for a server notesctl does not firewall: every port, from the members only', () => {
    expect(swarmPortsToOpen(checkClusterIntent(PROD, 'prod', 'w2')).join('\n')).toBe(
      [
        'notesctl opened no port on w2. Its firewall must admit, from the other members of prod (m1, w1) and no one else:',
        '  2377/tcp  cluster management, to managers',
        '  7946/tcp  node gossip',
        '  7946/udp  node gossip',
        '  4789/udp  overlay network data (VXLAN)',
        '  ESP       IP protocol 50, for encrypted overlays (networks without encrypted: false)',
        'None of them should be open to the internet; the other members must admit the same from it.',
      ].join('\n'),
    );
  });
});
