/**
 * planDown with the edge proxy (issue 19): the shared proxy stops routing to the project and
 * leaves its edge network before any of the project's containers stops, and before that network
 * is removed; a project the proxy does not serve is planned down exactly as before.
 */
import { describe, expect, it } from 'vitest';
import { planDown } from '../../../src/plan/down.ts';
import { formatPlan } from '../../../src/plan/format.ts';
import { reconcile } from '../../../src/plan/reconcile.ts';
import type { ObservedState, Plan } from '../../../src/plan/types.ts';
import { sitesFile } from '../../../src/proxy/names.ts';
import { convergedState, desiredFor, notesTopology } from './fixtures.ts';
import { converged, desiredWeb, shopTopology, waitsFor } from './web-fixtures.ts';

const OPTIONS = { volumes: true, stopTimeoutS: () => 10 };

/** `shop` (db, web) deployed and converged, the proxy also serving project blog. */
function deployedShop(): ObservedState {
  const desired = desiredWeb(shopTopology());
  const observed = converged(
    desired,
    reconcile(
      desired,
      { containers: [], networks: [], volumes: [], proxyVolumes: [] },
      {
        forceRecreate: false,
        removeOrphans: false,
        wait: true,
      },
    ),
  );
  observed.proxy?.container.networks.push('blog_edge');
  return observed;
}

function downShop(observed: ObservedState): Plan {
  return planDown('shop', 'local', observed, { web: ['db'], db: [] }, OPTIONS);
}

describe('planDown with the edge proxy', () => {
  const plan = downShop(deployedShop());

  it('unroutes, then disconnects the proxy, then stops (golden)', async () => {
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/web-down.plan.txt');
  });

  it('takes the project out of the proxy (one reload) before any stop', () => {
    const unroute = plan.operations.find((o) => o.id === 'proxy:unroute');
    expect(unroute?.operation).toEqual({
      kind: 'proxy-config',
      project: 'shop',
      files: [{ path: sitesFile('shop'), source: { remove: true } }],
      reload: true,
      proxyId: 'id-proxy',
    });
    const stops = plan.operations.filter((o) => o.operation.kind === 'stop-container');
    expect(stops.map((o) => o.operation.kind === 'stop-container' && o.operation.service)).toEqual([
      'db',
      'web',
    ]);
    for (const stop of stops) {
      expect(waitsFor(plan, stop.id)).toContain('proxy:unroute');
      expect(waitsFor(plan, stop.id)).toContain('disconnect:edge-proxy');
    }
  });

  it("takes the proxy off the project's edge network only, after the unroute and before removing it", () => {
    const disconnect = plan.operations.find((o) => o.id === 'disconnect:edge-proxy');
    expect(disconnect?.operation).toEqual({
      kind: 'disconnect-network',
      service: 'edge-proxy',
      network: 'shop_edge',
      containerId: 'id-proxy',
    });
    expect(disconnect?.after).toEqual(['proxy:unroute']);
    expect([...waitsFor(plan, 'remove-network:edge')]).toEqual(
      expect.arrayContaining(['proxy:unroute', 'disconnect:edge-proxy']),
    );
    // The proxy itself, its volumes and blog's network are no part of shop's down.
    const touched = plan.operations.map((o) => JSON.stringify(o.operation));
    expect(touched.filter((t) => t.includes('blog'))).toEqual([]);
    expect(
      plan.operations.filter((o) => o.id.startsWith('stop:edge-proxy') || o.id.includes('proxy-')),
    ).toEqual([]);
  });

  it('writes the removal without a reload when the proxy is not running', () => {
    const observed = deployedShop();
    if (observed.proxy) observed.proxy.container.state = 'exited';
    const unroute = downShop(observed).operations.find((o) => o.id === 'proxy:unroute');
    expect(unroute?.operation).toMatchObject({ reload: false });
  });

  it('plans neither when the proxy neither routes to the project nor is on its network', () => {
    const observed = deployedShop();
    if (observed.proxy) {
      observed.proxy.files = {};
      observed.proxy.container.networks = ['blog_edge'];
    }
    const down = downShop(observed);
    expect(down.operations.filter((o) => o.id.includes('proxy'))).toEqual([]);
    expect(down.operations.find((o) => o.id.startsWith('stop:web:'))?.after).toEqual([]);
  });
});

describe('planDown without the edge proxy', () => {
  it('plans as before when the engine has no proxy (the existing golden)', async () => {
    const topology = await notesTopology();
    const observed = convergedState(desiredFor(topology));
    const deps = Object.fromEntries(
      Object.values(topology.services).map((s) => [s.name, Object.keys(s.dependsOn)]),
    );
    const options = { volumes: false, stopTimeoutS: () => 10 };
    const plan = planDown('notes', 'local', { ...observed, proxyVolumes: [] }, deps, options);
    await expect(formatPlan(plan)).toMatchFileSnapshot('golden/notes-down.plan.txt');
    expect(plan).toEqual(planDown('notes', 'local', observed, deps, options));
  });
});
