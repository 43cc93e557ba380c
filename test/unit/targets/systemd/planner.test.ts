/**
 * The systemd target's pure planner (issue 21): desired state from a topology, and the plan
 * from desired + observed, compared as text.
 */
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../../src/plan/format.ts';
import { desiredSystemd } from '../../../../src/targets/systemd/desired.ts';
import { reconcileSystemd } from '../../../../src/targets/systemd/reconcile.ts';
import { checkHost } from '../../../../src/targets/systemd/steps.ts';
import { convergedServer, freshServer, inputs, NODE_ARCHIVE, topology } from './fixtures.ts';

const OPTIONS = { forceRecreate: false, removeOrphans: false, wait: true };

function plan(t = topology(), observed = freshServer(), releases: Record<string, string> = {}) {
  return reconcileSystemd(desiredSystemd(inputs(t, releases)), observed, OPTIONS, {
    nodeArchive: NODE_ARCHIVE,
  });
}

describe('the systemd planner', () => {
  it('plans a fresh server: Node, names, MariaDB, the database, releases, then units in dependency order', () => {
    expect(
      formatPlan(plan())
        .split('\n')
        .map((l) => l.replace(/ — .*?( {2}\[|$)/, ' —$1')),
    ).toEqual([
      'Project p on vps: 8 change(s).',
      '  node: install Node.js 24.1.0 in /opt/notesctl/node/24.1.0 from https://nodejs.org/dist —',
      '  hosts: name the services in /etc/hosts (127.0.0.1 api db web) —',
      "  mariadb: set up the host's MariaDB server (one for every database service, 127.0.0.1 only) —",
      '  database:db: create database app and user app (db) —  [after mariadb]',
      '  ready:db: wait until db is healthy —  [after database:db]',
      '  release:api: ship release api00000001 of api —',
      '  release:web: ship release web00000001 of web —',
      '  deploy:api: write notesctl-p-api.service and restart it on release api00000001 —  [after node, hosts, release:api, ready:db]',
      '  ready:api: wait until api is healthy —  [after deploy:api]',
      '  deploy:web: write notesctl-p-web.service and restart it on release web00000001 —  [after node, hosts, release:web, ready:api]',
      '  ready:web: wait until web is started —  [after deploy:web]',
      expect.stringContaining('note: runtime: systemd has no separate networks'),
      expect.stringContaining("note: the databases share the host's one MariaDB server"),
    ]);
  });

  it('plans nothing for a server that runs the topology already', () => {
    const t = topology();
    const p = plan(t, convergedServer(t));
    expect(p.operations).toEqual([]);
    expect(p.unchanged).toEqual(['api', 'db', 'web']);
  });

  it('ships and restarts only the service whose release changed, waiting for nothing it needs', () => {
    const t = topology();
    const p = plan(t, convergedServer(t), { web: 'web00000002' });
    expect(p.operations.map((o) => `${o.id} — ${o.cause}`)).toEqual([
      'release:web — the server does not have it',
      'deploy:web — new release web00000002 (was web00000001)',
      'ready:web — restarted',
    ]);
    expect(p.operations.find((o) => o.id === 'deploy:web')?.after).toEqual(['release:web']);
  });

  it('restarts a unit that failed, without shipping anything', () => {
    const t = topology();
    const server = convergedServer(t);
    server.units = server.units.map((u) =>
      u.service === 'api' ? { ...u, active: 'failed', sub: 'failed' } : u,
    );
    const p = plan(t, server);
    expect(p.operations.map((o) => o.id)).toEqual(['ready:db', 'deploy:api', 'ready:api']);
    expect(p.operations.find((o) => o.id === 'deploy:api')?.cause).toBe(
      'not running (failed/failed)',
    );
  });

  it('lists units of services no longer in the topology as orphans, and removes them when asked', () => {
    const t = topology();
    const server = convergedServer(t);
    const [first] = server.units;
    if (!first) throw new Error('no unit');
    server.units.push({ ...first, service: 'old', unit: 'notesctl-p-old.service' });
    expect(plan(t, server).orphans).toEqual([
      { service: 'old', containerName: 'notesctl-p-old.service' },
    ]);
    const removing = reconcileSystemd(
      desiredSystemd(inputs(t)),
      server,
      { ...OPTIONS, removeOrphans: true },
      { nodeArchive: NODE_ARCHIVE },
    );
    expect(removing.operations.map((o) => o.id)).toEqual(['remove:old']);
  });

  it('refuses, all at once and naming each key, what a plain server cannot run', () => {
    const t = topology(
      '  cache: { image: redis:7 }',
      "  odd: { build: apps/notes, ports: ['8080:80'], user: '1000' }",
      '  db2: { image: mariadb:10.11, env: { MARIADB_DATABASE: x } }',
    );
    expect(() => desiredSystemd(inputs(t))).toThrow(
      [
        '6 problem(s) deploying to vps (runtime: systemd):',
        '  services.cache.image: "redis:7" is a container image; host vps has runtime: systemd, which runs build: services (Node apps) and mariadb:* images — place it on a docker host, or give it build:',
        '  services.db2.env: MARIADB_USER is needed on runtime: systemd',
        '  services.db2.secrets: MARIADB_PASSWORD (a secret) is needed on runtime: systemd',
        '  services.odd.ports[0]: a plain server has no port mapping: use "80:80" (the service listens on the host\'s port 80 itself)',
        '  services.odd.user: each service runs as its own dynamic user on runtime: systemd',
        '  services.odd.command: the image has no CMD; say what to run',
      ].join('\n'),
    );
  });

  it('refuses two database services sharing a user or a database on the one server', () => {
    const t = topology(
      '  db2:',
      '    image: mariadb:10.11',
      '    env: { MARIADB_DATABASE: other, MARIADB_USER: app }',
      '    secrets: { MARIADB_PASSWORD: api_key }',
    );
    expect(() => desiredSystemd(inputs(t))).toThrow(
      `services.db2.env: MARIADB_USER/MARIADB_DATABASE "app"/"other" are also db's`,
    );
  });

  it('refuses an OS other than Debian or Ubuntu, and a host where credentials cannot work', () => {
    expect(() =>
      checkHost('vps', { ...freshServer(), os: { id: 'alpine', like: 'none', version: '3.20' } }),
    ).toThrow('host vps runs alpine 3.20: runtime: systemd supports Debian and Ubuntu only');
    expect(() =>
      checkHost('vps', {
        ...freshServer(),
        os: { id: 'linuxmint', like: 'ubuntu debian', version: '22' },
      }),
    ).not.toThrow();
    expect(() => checkHost('vps', { ...freshServer(), sharedRun: false })).toThrow(
      /\/run is not a shared mount/,
    );
  });
});
