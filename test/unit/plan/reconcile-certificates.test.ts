/**
 * The wait for `tls: auto` certificates (src/plan/reconcile/certificates.ts, issue 19): planned
 * last, after every other operation, whenever the proxy loads new files and serves a `tls: auto`
 * hostname; never for an unchanged up or for names without ACME.
 */
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../src/plan/format.ts';
import { reconcile } from '../../../src/plan/reconcile.ts';
import type { ObservedState, Plan } from '../../../src/plan/types.ts';
import {
  converged,
  desiredWeb,
  dbService,
  waitsFor,
  webService,
  webTopology,
} from './web-fixtures.ts';

const DEFAULTS = { forceRecreate: false, removeOrphans: false, wait: true };
const NOTHING: ObservedState = { containers: [], networks: [], volumes: [], proxyVolumes: [] };
const CA = 'https://pebble:14000/dir';

/** `shop` with web at shop.test (tls: auto), `version` in its env, and api (tls: internal). */
function shop(version = '1') {
  return webTopology(
    'shop',
    [
      dbService(),
      webService(
        'web',
        { env: { VERSION: version } },
        { hosts: ['www.shop.test', 'shop.test'], tls: { kind: 'auto' } },
      ),
      webService('api', {}, { hosts: ['api.shop.test'], tls: { kind: 'internal' } }),
    ],
    { acme: { email: undefined, ca: CA, caRoot: undefined } },
  );
}

function certificates(plan: Plan) {
  return plan.operations.filter((o) => o.operation.kind === 'proxy-certificates');
}

describe('planCertificates', () => {
  it('waits last, for the tls: auto names only, on a first deploy', () => {
    const plan = reconcile(desiredWeb(shop()), NOTHING, DEFAULTS);
    const [wait] = certificates(plan);
    expect(wait?.operation).toEqual({
      kind: 'proxy-certificates',
      hosts: ['shop.test', 'www.shop.test'],
      ca: CA,
      proxyId: undefined,
      timeoutMs: 30_000,
    });
    const before = waitsFor(plan, wait?.id ?? '');
    expect(plan.operations.filter((o) => o.id !== wait?.id && !before.has(o.id))).toEqual([]);
    expect(formatPlan(plan)).toContain(
      `certificates:edge-proxy: wait until the edge proxy has certificates for shop.test, www.shop.test (from ${CA}) — tls: auto`,
    );
  });

  it('waits after a redeploy that switches the routes, asking the running proxy', () => {
    const desired = desiredWeb(shop());
    const deployed = converged(desired, reconcile(desired, NOTHING, DEFAULTS));
    const plan = reconcile(desiredWeb(shop('2')), deployed, DEFAULTS);
    const [wait] = certificates(plan);
    expect(wait?.operation).toMatchObject({ proxyId: 'id-proxy' });
    expect(waitsFor(plan, wait?.id ?? '')).toContain('proxy:switch');
  });

  it('plans nothing for an unchanged up, nor without a tls: auto name', () => {
    const desired = desiredWeb(shop());
    const deployed = converged(desired, reconcile(desired, NOTHING, DEFAULTS));
    expect(certificates(reconcile(desired, deployed, DEFAULTS))).toEqual([]);
    const internal = webTopology('shop', [
      webService('web', {}, { hosts: ['shop.test'], tls: { kind: 'internal' } }),
    ]);
    expect(certificates(reconcile(desiredWeb(internal), NOTHING, DEFAULTS))).toEqual([]);
  });
});
