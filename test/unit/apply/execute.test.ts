/**
 * executePlan's scheduling, on an in-memory engine: plans from the real reconcile of the Notes
 * stack (and hand-built ones), checked against the calls the engine received and what it holds.
 * Failures, aborts and calls in flight: execute-failures.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { observe } from '../../../src/plan/observe.ts';
import { reconcile } from '../../../src/plan/reconcile.ts';
import type { DesiredState } from '../../../src/plan/types.ts';
import { settle } from '../../support/memory-engine-calls.ts';
import { MemoryEngine } from '../../support/memory-engine.ts';
import { EMPTY, desiredFor, notesTopology } from '../plan/fixtures.ts';
import { UP, engineFor, execute, planOf, secretsOf, volumeOp } from './execute-fixtures.ts';

/** The Notes stack's desired state, an empty engine with its images, and its plan. */
async function notesStack() {
  const desired = desiredFor(await notesTopology());
  const engine = engineFor(desired);
  return { desired, engine, plan: reconcile(desired, EMPTY, UP) };
}

/** Start the plan of the Notes stack with its secret files. */
function runNotes({ desired, engine, plan }: Awaited<ReturnType<typeof notesStack>>) {
  return execute(plan, engine, { secretFiles: secretsOf(desired) });
}

const servicesOf = (desired: DesiredState) => desired.services.map((s) => s.name);

describe('executePlan', () => {
  it('brings the Notes stack up on an empty engine: what the engine then reports needs no plan', async () => {
    const stack = await notesStack();
    const created = await runNotes(stack).done;
    const { desired, engine } = stack;
    expect([...created.keys()].sort()).toEqual(servicesOf(desired));
    for (const name of servicesOf(desired)) expect(engine.container(name).state).toBe('running');
    const again = reconcile(desired, await observe(engine, desired.project), UP);
    expect(again.operations).toEqual([]);
  });

  it("copies each service's secret files in, read-only for all and owned by root", async () => {
    const stack = await notesStack();
    await runNotes(stack).done;
    const files = stack.engine.container('userauth').files;
    expect([...files.keys()].sort()).toEqual([
      '/run/secrets/db_userauth_password',
      '/run/secrets/userauth_api_key',
    ]);
    expect(files.get('/run/secrets/userauth_api_key')).toEqual({
      content: Buffer.from('value of userauth_api_key'),
      mode: 0o444,
      uid: 0,
      gid: 0,
    });
  });

  it('sends no start before the create, secret files, connections and networks it follows are answered', async () => {
    const stack = await notesStack();
    await runNotes(stack).done;
    const { log } = stack.engine;
    for (const service of stack.desired.services) {
      const start = log.only({ method: 'startContainer', service: service.name });
      const setup = [
        log.only({ method: 'createContainer', service: service.name }),
        log.only({ method: 'putFiles', service: service.name }),
        ...log.find({ method: 'connectNetwork', service: service.name }),
        ...[service.spec.network?.name ?? '', ...service.extraNetworks.map((n) => n.network)].map(
          (network) => log.only({ method: 'createNetwork', target: network }),
        ),
      ];
      expect(setup).toHaveLength(service.extraNetworks.length * 2 + 3);
      for (const call of setup) expect(call.answeredSeq).toBeLessThan(start.seq);
    }
  });

  it('starts a dependent only once the readiness check of the service it depends on has passed', async () => {
    const stack = await notesStack();
    const checks = stack.engine.hold({ method: 'exec', service: 'db-userauth' });
    const run = runNotes(stack);
    await checks.arrived();
    await settle();
    const { log } = stack.engine;
    // userauth's own set-up is done, but it waits for its database to pass its check.
    expect(log.only({ method: 'putFiles', service: 'userauth' }).outcome).toBe('ok');
    expect(log.find({ method: 'startContainer', service: 'userauth' })).toEqual([]);
    checks.release();
    await run.done;
    const passed = log.find({ method: 'exec', service: 'db-userauth' }).at(-1);
    expect(passed?.outcome).toBe('ok');
    expect(log.only({ method: 'startContainer', service: 'userauth' }).seq).toBeGreaterThan(
      passed?.answeredSeq ?? Infinity,
    );
  });

  it("sends the plan's first start before any call that start does not need", async () => {
    const stack = await notesStack();
    expect(stack.plan.first).toBe('start:db-userauth');
    await runNotes(stack).done;
    const { log } = stack.engine;
    const first = log.only({ method: 'startContainer', service: 'db-userauth' });
    const before = log.calls.filter((c) => c.seq < first.seq).map((c) => `${c.method} ${c.target}`);
    const name = stack.engine.container('db-userauth').spec.name;
    expect(before.sort()).toEqual([
      `createContainer ${name}`,
      'createNetwork notes_authnet',
      'createVolume notes_db-userauth-data',
      `putFiles ${name}`,
    ]);
  });

  it('runs independent operations at once, never more than the concurrency limit', async () => {
    const engine = new MemoryEngine();
    const gate = engine.hold('createVolume');
    const names = ['a', 'b', 'c', 'd', 'e'];
    const run = execute(planOf(names.map((n) => volumeOp(n))), engine, { concurrency: 2 });
    await gate.arrived(2);
    await settle();
    expect(gate.held().map((c) => c.target)).toEqual(['a', 'b']);
    // One answered: the next goes out at once.
    gate.release('a');
    await gate.arrived(3);
    await settle();
    expect(gate.held().map((c) => c.target)).toEqual(['b', 'c']);
    gate.release();
    await run.done;
    expect([...engine.state.volumes.keys()].sort()).toEqual(names);
    expect(engine.log.mostAtOnce('createVolume')).toBe(2);
  });

  it('reports each operation as started, then done, in the order they ran', async () => {
    const engine = new MemoryEngine();
    const run = execute(planOf([volumeOp('a'), volumeOp('b', ['volume:a'])]), engine);
    await run.done;
    expect(run.events.map((e) => `${e.type} ${'id' in e ? e.id : ''}`)).toEqual([
      'op-start volume:a',
      'op-done volume:a',
      'op-start volume:b',
      'op-done volume:b',
    ]);
    expect(run.events[0]).toMatchObject({ text: 'create volume a', service: undefined });
  });
});
