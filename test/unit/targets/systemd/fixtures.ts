/** A Notes-like topology on a systemd host, and a server that already runs it, for planner tests. */
import { join } from 'node:path';
import { parseTopologyText } from '../../../../src/config/index.ts';
import type { Topology } from '../../../../src/model/topology.ts';
import { desiredSystemd, type SystemdInputs } from '../../../../src/targets/systemd/desired.ts';
import type { NodeArchive } from '../../../../src/targets/systemd/node-dist.ts';
import type { SystemdObserved } from '../../../../src/targets/systemd/observe.ts';
import { MARIADB_CONF_DIGEST } from '../../../../src/targets/systemd/reconcile.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..', '..');

/** The topology, with extra lines appended to `services:` (build contexts: the repo's apps). */
export function topology(...extra: string[]): Topology {
  const text = [
    'project: p',
    'host: vps',
    'hosts:',
    '  vps: { ssh: root@203.0.113.10, runtime: systemd }',
    'secrets:',
    '  db_pw: { generate: true }',
    '  api_key: { generate: true }',
    'services:',
    '  db:',
    '    image: mariadb:10.11',
    '    env: { MARIADB_DATABASE: app, MARIADB_USER: app }',
    '    secrets: { MARIADB_PASSWORD: db_pw }',
    "    healthcheck: { test: ['CMD', 'healthcheck.sh', '--connect'] }",
    '  api:',
    '    build: apps/userauth',
    '    env: { PORT: 3333 }',
    '    secrets: { DATABASE_PASSWORD: db_pw, API_KEY: api_key }',
    '    expose: [3333]',
    '    depends_on: { db: healthy }',
    "    healthcheck: { test: ['CMD', '/app/healthcheck.sh'] }",
    '  web:',
    '    build: apps/notes',
    "    ports: ['3000:3000']",
    '    depends_on: { api: healthy }',
    ...extra,
    '',
  ].join('\n');
  return parseTopologyText(text, join(ROOT, 'notesctl.config.yaml'), {}, { home: '/home/t' });
}

/** Inputs as the target resolves them. */
export function inputs(t: Topology, releases: Record<string, string> = {}): SystemdInputs {
  const services = Object.keys(t.services);
  return {
    topology: t,
    host: 'vps',
    services,
    node: '24.1.0',
    releases: new Map(
      services
        .filter((s) => t.services[s]?.image.kind === 'build')
        .map((s) => [s, releases[s] ?? `${s}00000001`]),
    ),
    commands: new Map([
      ['api', ['node', 'dist/server.js']],
      ['web', ['node', 'dist/server.js']],
    ]),
    secretDigests: new Map(services.map((s) => [s, `digest-${s}`])),
  };
}

/** The official tarball of Node 24.1.0 for x64 (its digest made up). */
export const NODE_ARCHIVE: NodeArchive = {
  version: '24.1.0',
  name: 'node-v24.1.0-linux-x64.tar.xz',
  member: 'node-v24.1.0-linux-x64/bin/node',
  compression: 'xz',
  algorithm: 'sha256',
  digest: 'ab'.repeat(32),
  origin: 'https://nodejs.org/dist',
};

/** A fresh Debian server. */
export function freshServer(): SystemdObserved {
  return {
    os: { id: 'debian', like: 'none', version: '12' },
    sharedRun: true,
    platform: { machine: 'x86_64', xz: true },
    units: [],
    databases: new Map(),
    releases: new Map(),
    nodes: [],
    hostsLine: undefined,
    mariadb: { installed: true, configured: '', active: 'inactive' },
  };
}

/** A server that runs `t` as desired now. */
export function convergedServer(t: Topology): SystemdObserved {
  const desired = desiredSystemd(inputs(t));
  return {
    ...freshServer(),
    units: desired.apps.map((a) => ({
      service: a.service,
      unit: a.unit,
      hash: a.hash,
      release: a.release,
      active: 'active',
      sub: 'running',
      enabled: 'enabled',
      mainPid: 100,
      restarts: 0,
      memoryBytes: 1,
      sinceUs: 1,
    })),
    databases: new Map(desired.databases.map((d) => [d.service, d.hash])),
    releases: new Map(desired.apps.map((a) => [a.service, [a.release]])),
    nodes: ['24.1.0'],
    hostsLine: desired.hostsLine,
    mariadb: { installed: true, configured: MARIADB_CONF_DIGEST, active: 'active' },
  };
}
