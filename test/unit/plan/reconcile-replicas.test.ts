/**
 * Several replicas of a web service behind the edge proxy (issue 19): a release of N new
 * containers beside the N that serve, each checked through the proxy, one switch to all of them,
 * then the old ones drain — read from the plan's `after` edges — and an unchanged up that keeps
 * all N.
 */
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../src/plan/format.ts';
import { reconcile } from '../../../src/plan/reconcile.ts';
import type { ObservedState, Operation, Plan } from '../../../src/plan/types.ts';
import { sitesFile } from '../../../src/proxy/names.ts';
import { converged, desiredWeb, shopTopology, waitsFor } from './web-fixtures.ts';

const DEFAULTS = { forceRecreate: false, removeOrphans: false, wait: true };
const NOTHING: ObservedState = { containers: [], networks: [], volumes: [], proxyVolumes: [] };

function op(plan: Plan, id: string) {
  const found = plan.operations.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id} in:\n${formatPlan(plan)}`);
  return found;
}

function ids(plan: Plan, kind: Operation['kind']): string[] {
  return plan.operations.filter((o) => o.operation.kind === kind).map((o) => o.id);
}

/** The upstreams the last proxy-config of `plan` routes web to. */
function webUpstreams(plan: Plan): string[] {
  const config = plan.operations.filter((o) => o.operation.kind === 'proxy-config').at(-1);
  if (config?.operation.kind !== 'proxy-config') return [];
  const file = config.operation.files.find((f) => f.path === sitesFile('shop'));
  const text = file && 'text' in file.source ? file.source.text : '';
  return /# shop\/web[\s\S]*?reverse_proxy (.*) \{/.exec(text)?.[1]?.split(' ') ?? [];
}

describe('reconcile: a web service with 3 replicas', () => {
  const desired = desiredWeb(shopTopology({ replicas: 3 }));
  const first = reconcile(desired, NOTHING, DEFAULTS);
  const web = desired.services.find((s) => s.name === 'web');

  it('creates, starts, waits for and checks each replica, and routes to all three', () => {
    expect(ids(first, 'create-container').filter((id) => id.startsWith('create:web'))).toEqual([
      'create:web',
      'create:web#2',
      'create:web#3',
    ]);
    const names = [1, 2, 3].map((i) => `${web?.spec.name}-r${i}`);
    expect(
      ['create:web', 'create:web#2', 'create:web#3'].map((id) => {
        const o = op(first, id).operation;
        return o.kind === 'create-container' ? o.spec.name : '';
      }),
    ).toEqual(names);
    // Each replica's own set-up and start; the key its container id is known by.
    expect(op(first, 'start:web#2').operation).toMatchObject({ instance: 'web#2' });
    expect(op(first, 'connect:web#3:shop_edge').after).toContain('create:web#3');
    expect(op(first, 'ready:web#3:healthy').after).toEqual(['start:web#3']);
    expect(op(first, 'check:web#2').operation).toMatchObject({
      upstream: `${names[1]}:3000`,
      instance: 'web#2',
    });
    expect(webUpstreams(first)).toEqual(names.map((n) => `${n}:3000`));
  });

  it('keeps all three on an unchanged up', () => {
    const plan = reconcile(desired, converged(desired, first), DEFAULTS);
    expect(plan.operations).toEqual([]);
    expect(plan.unchanged).toEqual(['db', 'web']);
  });

  it('replaces all three blue/green: every new replica checked before one switch, old ones drain after', () => {
    const deployed = converged(desired, first);
    const changed = desiredWeb(shopTopology({ replicas: 3, env: { RELEASE: '2' } }));
    const plan = reconcile(changed, deployed, DEFAULTS);
    const checks = ids(plan, 'proxy-check');
    expect(checks).toEqual(['check:web', 'check:web#2', 'check:web#3']);
    const switchWaits = waitsFor(plan, 'proxy:switch');
    for (const check of checks) expect(switchWaits).toContain(check);
    const drains = ids(plan, 'drain');
    expect(drains).toHaveLength(3);
    for (const drain of drains) expect(op(plan, drain).after).toEqual(['proxy:switch']);
    // No old replica stops before the switch: N healthy upstreams serve throughout.
    for (const stop of ids(plan, 'stop-container'))
      expect(waitsFor(plan, stop)).toContain('proxy:switch');
    const newWeb = changed.services.find((s) => s.name === 'web');
    expect(webUpstreams(plan)).toEqual([1, 2, 3].map((i) => `${newWeb?.spec.name}-r${i}:3000`));
  });

  it('makes a new release when only the number of replicas changes', () => {
    const deployed = converged(desired, first);
    const scaled = desiredWeb(shopTopology({ replicas: 2 }));
    const plan = reconcile(scaled, deployed, DEFAULTS);
    expect(ids(plan, 'proxy-check')).toEqual(['check:web', 'check:web#2']);
    expect(ids(plan, 'drain')).toHaveLength(3);
  });

  it('keeps one replica named as before (no -r suffix, the same config hash)', () => {
    const one = desiredWeb(shopTopology({ replicas: 1 }));
    const plain = desiredWeb(shopTopology());
    expect(one.services.find((s) => s.name === 'web')?.spec.name).toBe(
      plain.services.find((s) => s.name === 'web')?.spec.name,
    );
  });
});
