/** A small topology on a three-node cluster, for the swarm planner's tests. */
import { parseTopologyText } from '../../../../src/config/index.ts';
import type { Topology } from '../../../../src/model/topology.ts';
import { desiredSwarm, type DesiredSwarm } from '../../../../src/targets/swarm/desired.ts';
import type { ObservedSwarm } from '../../../../src/targets/swarm/observed.ts';

/** The web + db + api stack of the tests, placed on cluster `prod` (m1, m2, m3). */
export function clusterTopology(extra: string[] = []): Topology {
  const text = [
    'project: p',
    'hosts:',
    '  m1: { ssh: root@10.0.0.1 }',
    '  m2: { ssh: root@10.0.0.2 }',
    '  m3: { ssh: root@10.0.0.3 }',
    'clusters:',
    '  prod: { managers: [m1, m2, m3] }',
    'host: prod',
    'networks:',
    '  front: { encrypted: false }',
    '  back: { internal: true }',
    'volumes:',
    '  data: {}',
    'secrets:',
    '  db_password: { generate: true }',
    'services:',
    '  db:',
    '    image: mariadb:10.11',
    '    secrets: { MARIADB_PASSWORD: db_password }',
    '    networks: [back]',
    "    volumes: ['data:/var/lib/mysql']",
    "    healthcheck: { test: ['CMD', 'healthcheck.sh', '--connect'], interval: 5s, retries: 10 }",
    '  web:',
    '    image: nginx:1',
    '    replicas: 3',
    "    ports: ['8080:80']",
    '    networks: [front, back]',
    '    depends_on: { db: healthy }',
    ...extra,
  ].join('\n');
  return parseTopologyText(`${text}\n`, '/srv/p/notesctl.config.yaml', {}, { home: '/root' });
}

/** The desired state of every service, with fixed image IDs and secret digests. */
export function desiredOf(
  topology = clusterTopology(),
  secretDigest = 'a1b2c3d4e5f6',
  pins = new Map([['db', 'm2']]),
): DesiredSwarm {
  return desiredSwarm({
    topology,
    cluster: 'prod',
    services: Object.keys(topology.services),
    images: new Map([
      ['db', 'sha256:db'],
      ['web', 'sha256:web'],
    ]),
    secretDigests: new Map([['db_password', secretDigest]]),
    pins,
  });
}

/** A cluster with nothing of the project. */
export const EMPTY: ObservedSwarm = { services: [], networks: [], secrets: [], configs: [] };

/** The cluster as it is once `desired` was deployed. */
export function deployed(desired: DesiredSwarm): ObservedSwarm {
  return {
    services: desired.services.map((s, i) => ({
      id: `svc${i}`,
      version: 10 + i,
      spec: s.spec,
      update: undefined,
    })),
    networks: desired.networks.map((n, i) => ({ id: `net${i}`, ...n })),
    secrets: desired.secrets.map((s, i) => ({ id: `sec${i}`, name: s.name, labels: s.labels })),
    configs: [],
  };
}
