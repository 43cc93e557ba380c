/**
 * The planner's edge proxy and blue/green releases of web services (issue 19): golden plans, and
 * the orderings that make a redeploy lose nothing read from the plan's `after` edges (a golden
 * shows them too, but an edge lost in a rewrite must fail here by name).
 */
import { describe, expect, it } from 'vitest';
import { containerName } from '../../../src/model/names.ts';
import { formatPlan } from '../../../src/plan/format.ts';
import { reconcile } from '../../../src/plan/reconcile.ts';
import {
  isMutating,
  type ObservedState,
  type Operation,
  type Plan,
  type ProxyFile,
} from '../../../src/plan/types.ts';
import { PROXY_VOLUMES, sitesFile } from '../../../src/proxy/names.ts';
import {
  converged,
  desiredWeb,
  runningContainer,
  runningProxy,
  shopTopology,
  waitsFor,
  webService,
  webTopology,
} from './web-fixtures.ts';

const DEFAULTS = { forceRecreate: false, removeOrphans: false, wait: true };

/** An engine with nothing of the project and no proxy (its volumes looked for, none found). */
const NOTHING: ObservedState = { containers: [], networks: [], volumes: [], proxyVolumes: [] };

/** `shop` deployed once and converged: db and web running, the proxy holding its files. */
function deployedShop(): ObservedState {
  const desired = desiredWeb(shopTopology());
  return converged(desired, reconcile(desired, NOTHING, DEFAULTS));
}

function op(plan: Plan, id: string) {
  const found = plan.operations.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id} in:\n${formatPlan(plan)}`);
  return found;
}

function ids(plan: Plan, kind: Operation['kind']): string[] {
  return plan.operations.filter((o) => o.operation.kind === kind).map((o) => o.id);
}

/** The text of `path` among the files a proxy-config operation writes. */
function fileText(operation: Operation, path: string): string | undefined {
  if (operation.kind !== 'proxy-config') throw new Error(`${operation.kind} writes no files`);
  const file: ProxyFile | undefined = operation.files.find((f) => f.path === path);
  return file && 'text' in file.source ? file.source.text : undefined;
}

/** The `reverse_proxy` upstreams of a sites file, per `# project/service` block. */
function upstreamsIn(sites: string | undefined): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const block of (sites ?? '').split('\n\n').slice(1)) {
    const service = /^# [^/]+\/(\S+)/.exec(block)?.[1] ?? '?';
    result[service] = /reverse_proxy (.*) \{/.exec(block)?.[1]?.split(' ') ?? [];
  }
  return result;
}

describe('reconcile: first deploy of a web service on a host without a proxy', () => {
  const desired = desiredWeb(shopTopology());
  const plan = reconcile(desired, NOTHING, DEFAULTS);
  const web = desired.services.find((s) => s.name === 'web');

  it('plans the project, the proxy with its volumes, and the check (golden)', async () => {
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/web-first-deploy.plan.txt');
  });

  it('creates the proxy after its volumes, writes its files before it starts, and waits for it', () => {
    const volumes = Object.values(PROXY_VOLUMES).map((v) => `volume:${v}`);
    expect(ids(plan, 'create-volume')).toEqual(expect.arrayContaining(volumes));
    expect(op(plan, 'create:edge-proxy').after).toEqual(volumes);
    expect(op(plan, 'proxy:config').after).toEqual(['create:edge-proxy']);
    // A new proxy reads its files when it starts: no reload of a proxy that is not running.
    expect(op(plan, 'proxy:config').operation).toMatchObject({ reload: false });
    expect(waitsFor(plan, 'start:edge-proxy')).toContain('proxy:config');
    // Created on the project's edge network, which must exist before it starts.
    expect(op(plan, 'start:edge-proxy').after).toContain('network:edge');
    expect(op(plan, 'ready:edge-proxy').after).toEqual(['start:edge-proxy']);
  });

  it('routes to the release it creates and checks it through the proxy once both are ready', () => {
    const sites = fileText(op(plan, 'proxy:config').operation, sitesFile('shop'));
    expect(upstreamsIn(sites)).toEqual({ web: [`${web?.spec.name}:3000`] });
    expect(op(plan, 'check:web').operation).toMatchObject({
      upstream: `${web?.spec.name}:3000`,
      path: '/health',
    });
    expect([...waitsFor(plan, 'check:web')]).toEqual(
      expect.arrayContaining(['ready:web:healthy', 'ready:edge-proxy']),
    );
    // The new proxy already holds the routes: there is nothing to switch.
    expect(ids(plan, 'proxy-config')).toEqual(['proxy:config']);
  });

  it('puts only the web service on the edge network, never the database', () => {
    expect(op(plan, 'connect:web:shop_edge').after).toContain('network:edge');
    const db = desired.services.find((s) => s.name === 'db');
    expect([db?.spec.network?.name, ...(db?.extraNetworks.map((n) => n.network) ?? [])]).toEqual([
      'shop_back',
    ]);
    expect(desired.proxy?.spec.network?.name).toBe('shop_edge');
  });
});

describe('reconcile: an unchanged up of a web service', () => {
  it('plans nothing and makes no mutating call', () => {
    const desired = desiredWeb(shopTopology());
    const plan = reconcile(desired, deployedShop(), DEFAULTS);
    expect(plan.operations.filter((o) => isMutating(o.operation))).toEqual([]);
    expect(plan.operations).toEqual([]);
    expect(plan.unchanged).toEqual(['db', 'web']);
    expect(formatPlan(plan)).toBe(
      'Project shop on local: up to date, nothing to do.\n  unchanged: db, web',
    );
  });

  it("plans a switch when the proxy lost the project's sites file (and only that)", () => {
    const observed = deployedShop();
    const files = Object.fromEntries(
      Object.entries(observed.proxy?.files ?? {}).filter(([path]) => path !== sitesFile('shop')),
    );
    const plan = reconcile(
      desiredWeb(shopTopology()),
      {
        ...observed,
        proxy: observed.proxy && { ...observed.proxy, files },
      },
      DEFAULTS,
    );
    expect(plan.operations.map((o) => o.id)).toEqual(['proxy:switch']);
    expect(op(plan, 'proxy:switch').cause).toBe('routes changed');
  });
});

describe('reconcile: a changed web service behind a running proxy', () => {
  const before = deployedShop();
  const oldName = before.containers.find((c) => c.name.startsWith('shop-web-'))?.name ?? '';
  const desired = desiredWeb(shopTopology({ env: { VERSION: '2' } }));
  const plan = reconcile(desired, before, DEFAULTS);
  const newName = desired.services.find((s) => s.name === 'web')?.spec.name ?? '';

  it('starts the new release beside the old, checks, switches, drains, then stops (golden)', async () => {
    expect(newName).not.toBe(oldName);
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/web-redeploy.plan.txt');
  });

  it('leaves the proxy and the database alone', () => {
    expect(plan.unchanged).toEqual(['db']);
    // db is only waited for (its health, read), never touched.
    const touched = plan.operations
      .filter((o) => isMutating(o.operation))
      .map((o) => ('service' in o.operation ? o.operation.service : o.id));
    expect(new Set(touched)).toEqual(new Set(['web', 'proxy:switch']));
    expect(plan.operations.some((o) => o.id.includes(':edge-proxy'))).toBe(false);
  });

  it('switches with ONE reload, after the new release is healthy and answers through the proxy', () => {
    expect(ids(plan, 'proxy-config')).toEqual(['proxy:switch']);
    const switchOp = op(plan, 'proxy:switch');
    expect(switchOp.operation).toMatchObject({ reload: true, proxyId: 'id-proxy' });
    expect(waitsFor(plan, 'check:web')).toEqual(
      new Set([
        'start:web',
        'ready:web:healthy',
        'create:web',
        'connect:web:shop_edge',
        'ready:db:healthy',
      ]),
    );
    expect(switchOp.after).toEqual(['check:web']);
    expect(upstreamsIn(fileText(switchOp.operation, sitesFile('shop')))).toEqual({
      web: [`${newName}:3000`],
    });
  });

  it('drains the old release only after the switch, and stops it only after the drain', () => {
    const drain = `drain:web:${oldName}`;
    expect(op(plan, drain).after).toEqual(['proxy:switch']);
    expect(op(plan, drain).operation).toMatchObject({
      upstream: `${oldName}:3000`,
      timeoutMs: 30_000,
    });
    expect(op(plan, `stop:web:${oldName}`).after).toEqual([drain]);
    expect(op(plan, `remove:web:${oldName}`).after).toEqual([`stop:web:${oldName}`]);
    // Nothing of the new release waits for the old one to go.
    for (const id of ['create:web', 'start:web', 'check:web', 'proxy:switch'])
      expect([...waitsFor(plan, id)].filter((w) => w.includes(oldName))).toEqual([]);
  });
});

describe('reconcile: --force-recreate of a web service', () => {
  const before = deployedShop();
  const desired = desiredWeb(shopTopology());
  const web = desired.services.find((s) => s.name === 'web');
  const running = web?.spec.name ?? '';
  const plan = reconcile(desired, before, { ...DEFAULTS, forceRecreate: true });

  it('creates the new release as NAME-2 beside the running one (golden)', async () => {
    expect(running).toBe(containerName('shop', 'web', web?.hash ?? ''));
    expect(op(plan, 'create:web').operation).toMatchObject({ spec: { name: `${running}-2` } });
    expect(op(plan, 'check:web').operation).toMatchObject({ upstream: `${running}-2:3000` });
    // The running release is not in the way of the create: it goes after the switch.
    expect(op(plan, 'create:web').after).toEqual([]);
    expect(waitsFor(plan, `stop:web:${running}`)).toContain('proxy:switch');
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/web-force-recreate.plan.txt');
  });

  it('takes the next free suffix when NAME-2 runs too', () => {
    const twice = {
      ...before,
      containers: [
        ...before.containers,
        runningContainer('id-web-2', `${running}-2`, web?.spec.labels ?? {}, ['shop_back']),
      ],
    };
    const again = reconcile(desired, twice, { ...DEFAULTS, forceRecreate: true });
    expect(op(again, 'create:web').operation).toMatchObject({ spec: { name: `${running}-3` } });
    expect(ids(again, 'drain').sort()).toEqual([`drain:web:${running}`, `drain:web:${running}-2`]);
  });
});

describe('reconcile: the proxy itself changed', () => {
  it('removes and recreates it with the same files, back on every edge network it was on (golden)', async () => {
    const before = deployedShop();
    // Another project's edge network the proxy had joined.
    before.proxy?.container.networks.push('blog_edge');
    const desired = desiredWeb(shopTopology(), { proxyImageId: 'sha256:caddy-2.8' });
    const plan = reconcile(desired, before, DEFAULTS);
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/web-proxy-image.plan.txt');
    const stop = 'stop:edge-proxy:notesctl-edge-proxy';
    const remove = 'remove:edge-proxy:notesctl-edge-proxy';
    expect(op(plan, remove).after).toEqual([stop]);
    expect(op(plan, 'create:edge-proxy').after).toEqual([remove]);
    expect(op(plan, 'connect:edge-proxy:blog_edge').after).toEqual(['create:edge-proxy']);
    expect(op(plan, 'start:edge-proxy').after).toEqual(
      expect.arrayContaining(['proxy:config', 'connect:edge-proxy:blog_edge']),
    );
    // Created on this project's edge network: no connect to it.
    expect(ids(plan, 'connect-network')).toEqual(['connect:edge-proxy:blog_edge']);
    // Its volumes exist: kept. The web service did not change: no check, no switch.
    expect(ids(plan, 'create-volume')).toEqual([]);
    expect(ids(plan, 'proxy-check')).toEqual([]);
    expect(ids(plan, 'proxy-config')).toEqual(['proxy:config']);
    expect(plan.unchanged).toEqual(['db', 'web']);
  });
});

describe('reconcile: a second project on a host whose proxy runs', () => {
  const shop = deployedShop();
  const blog = webTopology('blog', [webService('blog')]);
  const desired = desiredWeb(blog);
  const observed: ObservedState = {
    ...NOTHING,
    proxyVolumes: Object.values(PROXY_VOLUMES),
    proxy: {
      container: runningProxy(desired.proxy?.hash ?? '', ['shop_edge']),
      // What blog's observe reads: the shared Caddyfile and its own (missing) sites file.
      files: { Caddyfile: shop.proxy?.files.Caddyfile ?? '' },
    },
  };
  const plan = reconcile(desired, observed, DEFAULTS);

  it('connects the running proxy to its edge network and switches once its release answers (golden)', async () => {
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/web-second-project.plan.txt');
    expect(op(plan, 'connect:edge-proxy:blog_edge').after).toEqual(['network:edge']);
    expect(op(plan, 'connect:edge-proxy:blog_edge').operation).toMatchObject({
      containerId: 'id-proxy',
    });
    expect(waitsFor(plan, 'check:blog')).toContain('connect:edge-proxy:blog_edge');
    expect(op(plan, 'proxy:switch').after).toEqual(
      expect.arrayContaining(['connect:edge-proxy:blog_edge', 'check:blog']),
    );
    expect(op(plan, 'proxy:switch').operation).toMatchObject({ project: 'blog', reload: true });
  });

  it('neither recreates nor stops the proxy, and writes only its own sites file beside the shared one', () => {
    expect(plan.operations.filter((o) => o.id.startsWith('create:edge-proxy'))).toEqual([]);
    expect(plan.operations.filter((o) => o.id.startsWith('stop:edge-proxy'))).toEqual([]);
    const switchOp = op(plan, 'proxy:switch').operation;
    expect(switchOp.kind === 'proxy-config' && switchOp.files.map((f) => f.path)).toEqual([
      'Caddyfile',
      'sites/blog.caddy',
    ]);
    expect(fileText(switchOp, 'Caddyfile')).toBe(shop.proxy?.files.Caddyfile);
  });
});

describe('reconcile: a web service out of scope', () => {
  it('keeps its route, to its running container, when another web service is redeployed', () => {
    const services = (version: string) => [
      webService('web', { env: { VERSION: version } }),
      webService('api', { env: { VERSION: version } }, { port: 4000 }),
    ];
    const first = desiredWeb(webTopology('shop', services('1')));
    const before = converged(first, reconcile(first, NOTHING, DEFAULTS));
    const apiRunning = first.services.find((s) => s.name === 'api')?.spec.name ?? '';
    // Both changed in the topology; only web is deployed (`notesctl up web`).
    const desired = desiredWeb(webTopology('shop', services('2')), { services: ['web'] });
    const plan = reconcile(desired, before, DEFAULTS);
    const sites = fileText(op(plan, 'proxy:switch').operation, sitesFile('shop'));
    const webNew = desired.services.find((s) => s.name === 'web')?.spec.name ?? '';
    expect(upstreamsIn(sites)).toEqual({ api: [`${apiRunning}:4000`], web: [`${webNew}:3000`] });
    expect(
      plan.operations.filter((o) => 'service' in o.operation && o.operation.service === 'api'),
    ).toEqual([]);
  });
});

describe('reconcile: the proxy and the services in scope', () => {
  it('plans no proxy for an up that deploys no web service (`up db` on an empty host)', () => {
    const desired = desiredWeb(shopTopology(), { services: ['db'] });
    const plan = reconcile(desired, NOTHING, DEFAULTS);
    // A proxy made here would be created on shop_edge, which this up does not create.
    expect(plan.operations.filter((o) => o.id.includes('edge'))).toEqual([]);
    expect(ids(plan, 'proxy-config')).toEqual([]);
  });

  it('keeps a recreated proxy on the serving release until the new one answers through it', () => {
    const before = deployedShop();
    const oldName = before.containers.find((c) => c.name.startsWith('shop-web-'))?.name ?? '';
    const desired = desiredWeb(shopTopology({ env: { VERSION: '2' } }), {
      proxyImageId: 'sha256:caddy-2.8',
    });
    const newName = desired.services.find((s) => s.name === 'web')?.spec.name ?? '';
    const plan = reconcile(desired, before, DEFAULTS);
    // The new proxy starts with the routes that serve now...
    const initial = fileText(op(plan, 'proxy:config').operation, sitesFile('shop'));
    expect(upstreamsIn(initial)).toEqual({ web: [`${oldName}:3000`] });
    // ...and moves them in one reload once the new release answers through it.
    const switchOp = op(plan, 'proxy:switch');
    expect(switchOp.operation).toMatchObject({ reload: true });
    expect(upstreamsIn(fileText(switchOp.operation, sitesFile('shop')))).toEqual({
      web: [`${newName}:3000`],
    });
    expect(switchOp.after).toEqual(expect.arrayContaining(['ready:edge-proxy', 'check:web']));
    expect(op(plan, `drain:web:${oldName}`).after).toEqual(['proxy:switch']);
  });
});
