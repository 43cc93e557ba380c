/**
 * The pm2 target's pure parts (issue 21): the ecosystem file as text, the plan (the systemd
 * target's pipeline with PM2's set-up step, deploy steps and notes), and reading `pm2 jlist`.
 */
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../../src/plan/format.ts';
import { renderEcosystem, type EcosystemSpec } from '../../../../src/targets/pm2/ecosystem.ts';
import { parsePm2Observed } from '../../../../src/targets/pm2/observe.ts';
import { PM2_RUNTIME } from '../../../../src/targets/pm2/runtime.ts';
import { desiredSystemd } from '../../../../src/targets/systemd/desired.ts';
import type { SystemdObserved } from '../../../../src/targets/systemd/observe.ts';
import { reconcileSystemd } from '../../../../src/targets/systemd/reconcile.ts';
import {
  convergedServer,
  freshServer,
  inputs,
  NODE_ARCHIVE,
  topology,
} from '../systemd/fixtures.ts';

const OPTIONS = { forceRecreate: false, removeOrphans: false, wait: true };

const SPEC: EcosystemSpec = {
  project: 'p',
  service: 'web',
  node: '24.1.0',
  release: 'web00000001',
  command: ['/opt/notesctl/node/24.1.0/bin/node', '--enable-source-maps', 'dist/server.js', 'x'],
  env: { HOST: '0.0.0.0', PORT: '3000' },
  credentialVars: { SESSION_SECRET_FILE: 'session' },
  instances: 2,
  healthcheck: {
    test: ['CMD', '/app/healthcheck.sh'],
    intervalMs: 5000,
    timeoutMs: 3000,
    retries: 5,
    startPeriodMs: 60_000,
  },
  listenTimeoutMs: 85_000,
  stopTimeoutMs: 10_000,
  hash: 'h1',
};

async function pm2Plan(
  t = topology(),
  observed: SystemdObserved = freshServer(),
  releases: Record<string, string> = {},
) {
  const { renderer, steps } = await PM2_RUNTIME.prepare('24.1.0', observed);
  const desired = desiredSystemd({ ...inputs(t, releases), renderer });
  return reconcileSystemd(desired, observed, OPTIONS, { nodeArchive: NODE_ARCHIVE, steps });
}

describe('the PM2 ecosystem file', () => {
  it('runs the launcher in cluster mode, ready after the health check, secrets as paths only', () => {
    const { text } = renderEcosystem(SPEC);
    const [app] = (JSON.parse(text) as { apps: Record<string, unknown>[] }).apps;
    expect(app).toMatchObject({
      name: 'notesctl-p-web',
      script: '/opt/notesctl/pm2/current/launcher.cjs',
      cwd: '/opt/notesctl/p/web/current',
      node_args: ['--enable-source-maps'],
      args: ['x'],
      exec_mode: 'cluster',
      instances: 2,
      wait_ready: true,
      listen_timeout: 85_000,
      kill_timeout: 10_000,
      out_file: '/var/log/notesctl/p/web.out.log',
      env: {
        SESSION_SECRET_FILE: '/etc/notesctl/p/credentials/web/session',
        NOTESCTL_USER: 'nc-p-web',
        NOTESCTL_SCRIPT: 'dist/server.js',
        // The image's /app is the release folder here.
        NOTESCTL_HEALTH: '["/opt/notesctl/p/web/current/healthcheck.sh"]',
        PORT: '3000',
      },
    });
  });

  it('keeps its shape across new values and releases (a reload), not across new variables', () => {
    const { shape } = renderEcosystem(SPEC);
    expect(
      renderEcosystem({ ...SPEC, release: 'web2', env: { ...SPEC.env, PORT: '1' } }).shape,
    ).toBe(shape);
    expect(renderEcosystem({ ...SPEC, instances: 3 }).shape).not.toBe(shape);
    expect(renderEcosystem({ ...SPEC, env: { ...SPEC.env, NEW: '1' } }).shape).not.toBe(shape);
  });
});

describe('the PM2 plan', () => {
  it('installs PM2 before any app and says what PM2 cannot do', async () => {
    const lines = formatPlan(await pm2Plan())
      .split('\n')
      .map((l) => l.replace(/ — .*?( {2}\[|$)/, ' —$1'));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}pm2: install PM2 7\.0\.4 \(bundle [0-9a-f]{12}\) on Node 24\.1\.0, started at boot by pm2-root\.service, logs rotated — {2}\[after node\]$/,
      ),
    );
    expect(lines).toContain(
      "  deploy:api: write notesctl-p-api's ecosystem file and start it on release api00000001 —  [after node, hosts, pm2, release:api, ready:db]",
    );
    expect(lines).toContainEqual(expect.stringContaining('note: PM2 has no systemd credentials'));
    expect(lines).toContainEqual(expect.stringContaining('note: runtime: pm2 has no separate'));
  });

  it('plans nothing for a server that runs the topology, and reloads a changed release', async () => {
    const t = topology();
    const server = convergedServer(t);
    const { renderer, steps } = await PM2_RUNTIME.prepare('24.1.0', server);
    const desired = desiredSystemd({ ...inputs(t), renderer });
    // The server as PM2 runs it: apps by PM2 name, the set-up and shapes recorded.
    server.setup = steps.setup?.digest ?? '';
    server.units = server.units.map((u) => {
      const app = desired.apps.find((a) => a.service === u.service);
      return { ...u, unit: app?.unit ?? '', hash: app?.hash ?? '' };
    });
    server.shapes = new Map(
      desired.apps.map((a) => [
        a.service,
        /echo (\w+) > \S+\.shape/.exec(a.deploy.script)?.[1] ?? '',
      ]),
    );
    expect((await pm2Plan(t, server)).operations).toEqual([]);
    const changed = await pm2Plan(t, server, { web: 'web00000002' });
    expect(
      changed.operations.map(
        (o) => `${o.id}: ${o.operation.kind === 'host-step' ? o.operation.title : o.cause}`,
      ),
    ).toEqual([
      'release:web: ship release web00000002 of web',
      "deploy:web: write notesctl-p-web's ecosystem file and reload it (new workers ready before the old stop) on release web00000002",
      'ready:web: restarted',
    ]);
  });

  it('refuses volumes and commands other than node on a PM2 app, naming the key', async () => {
    const t = topology(
      '  sh: { build: apps/notes, command: [/bin/sh, -c, run], volumes: [data:/data] }',
      'volumes: { data: {} }',
    );
    await expect(pm2Plan(t)).rejects.toThrow(
      /services\.sh\.command: PM2 runs Node scripts[^\n]*\n {2}services\.sh\.volumes: runtime: pm2 cannot mount a volume/,
    );
  });
});

describe('reading PM2', () => {
  it('turns pm2 jlist into one row per app, its instances summed', () => {
    const proc = (pid: number, status: string) => ({
      name: 'notesctl-p-web',
      pid,
      monit: { memory: 1024 * 1024 },
      pm2_env: {
        status,
        restart_time: 1,
        pm_uptime: 1_000,
        env: { NOTESCTL_HASH: 'h', NOTESCTL_RELEASE: 'r1' },
      },
    });
    const list = [proc(10, 'online'), proc(11, 'online'), { name: 'other-app', pid: 1 }];
    const observed = parsePm2Observed(
      [
        'pm2-setup d1',
        'pm2-unit enabled active',
        'pm2-shape web s1',
        'pm2-dump notesctl-p-web ',
        `pm2-list ${JSON.stringify(list)}`,
      ].join('\n'),
      'p',
    );
    expect(observed.setup).toBe('d1');
    expect(observed.shapes).toEqual(new Map([['web', 's1']]));
    expect(observed.units).toEqual([
      {
        service: 'web',
        unit: 'notesctl-p-web',
        hash: 'h',
        release: 'r1',
        active: 'active',
        sub: 'online ×2',
        enabled: 'enabled',
        mainPid: 10,
        restarts: 2,
        memoryBytes: 2 * 1024 * 1024,
        sinceUs: 1_000_000,
      },
    ]);
  });
});
