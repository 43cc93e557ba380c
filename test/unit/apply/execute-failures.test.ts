/**
 * executePlan when things go wrong, on an in-memory engine: a call the engine refuses, a link
 * that breaks before the answer, an abort (Ctrl-C), a service that dies while it is waited for.
 * Scheduling itself: execute.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { trackInFlight, type InFlightCall } from '../../../src/apply/in-flight.ts';
import type { Lock } from '../../../src/apply/lock.ts';
import { EngineError, RuntimeError } from '../../../src/errors.ts';
import { projectSelector } from '../../../src/model/names.ts';
import { planDown, type DependencyMap } from '../../../src/plan/down.ts';
import { observe } from '../../../src/plan/observe.ts';
import { reconcile } from '../../../src/plan/reconcile.ts';
import type { DesiredState } from '../../../src/plan/types.ts';
import { settle } from '../../support/memory-engine-calls.ts';
import { MemoryEngine } from '../../support/memory-engine.ts';
import { EMPTY } from '../plan/fixtures.ts';
import { UP, engineFor, execute, planOf, service, stackOf, volumeOp } from './execute-fixtures.ts';

/** An engine that runs `desired` (brought up through executePlan), and the plan to take it down. */
async function upThenDown(desired: DesiredState, dependencies: DependencyMap = {}) {
  const engine = engineFor(desired);
  await execute(reconcile(desired, EMPTY, UP), engine).done;
  const observed = await observe(engine, desired.project);
  const plan = planDown('p', 'local', observed, dependencies, {
    volumes: false,
    stopTimeoutS: () => 10,
  });
  return { engine, plan };
}

describe('executePlan when an operation fails', () => {
  it("fails the run with the engine's error, naming host, operation and resource", async () => {
    const desired = stackOf(service('db'));
    const engine = engineFor(desired);
    engine.failNext('createContainer', { status: 500, message: 'driver failed programming' });
    const error: unknown = await execute(reconcile(desired, EMPTY, UP), engine).done.catch(
      (e: unknown) => e,
    );
    const name = desired.services[0]?.spec.name;
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      host: 'local',
      operation: 'create container',
      resource: name,
      statusCode: 500,
      message: `local: create container ${name}: driver failed programming`,
    });
  });

  it('reports the failed operation as failed, with the error, after its start', async () => {
    const engine = new MemoryEngine();
    engine.failNext({ method: 'createVolume', target: 'b' }, { status: 500, message: 'no space' });
    const run = execute(planOf([volumeOp('a'), volumeOp('b', ['volume:a'])]), engine);
    await expect(run.done).rejects.toThrow('no space');
    expect(run.events.map((e) => `${e.type} ${'id' in e ? e.id : ''}`)).toEqual([
      'op-start volume:a',
      'op-done volume:a',
      'op-start volume:b',
      'op-failed volume:b',
    ]);
    expect(run.events.at(-1)).toMatchObject({ error: 'local: create volume b: no space' });
  });

  it('never starts what follows a failed operation; the calls in flight finish', async () => {
    const desired = stackOf(
      service('db'),
      service('app', { dependsOn: { db: 'started' } }),
      service('other'),
    );
    const engine = engineFor(desired);
    const slow = engine.hold({ method: 'createContainer', service: 'other' });
    engine.failNext({ method: 'startContainer', service: 'db' }, { status: 500, message: 'oom' });
    const run = execute(reconcile(desired, EMPTY, UP), engine);
    await slow.arrived();
    await settle();
    const failed = engine.log.only({ method: 'startContainer', service: 'db' });
    expect(failed.outcome).toBe('failed');
    slow.release();
    await expect(run.done).rejects.toThrow('oom');
    // other's create, in flight when the start failed, finished; nothing was started after it.
    expect(engine.container('other').state).toBe('created');
    expect(
      engine.log.only({ method: 'createContainer', service: 'other' }).answeredSeq,
    ).toBeGreaterThan(failed.answeredSeq ?? Infinity);
    expect(engine.log.find('startContainer')).toEqual([failed]);
    expect(engine.log.find('inspectContainer')).toEqual([]);
  });

  it('fails the run with the last log lines of a service that exits while it is waited for', async () => {
    const desired = stackOf(service('app', {}, true));
    const engine = engineFor(desired);
    engine.checks('app', 1);
    const check = engine.hold('exec');
    const run = execute(reconcile(desired, EMPTY, UP), engine);
    await check.arrived();
    engine.container('app').logs.push({ stream: 'stderr', text: 'boom: cannot open /data' });
    engine.exit('app', 3);
    check.release();
    const error: unknown = await run.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toBe(
      'service app on local is not ready: stopped (exited, exit code 3)\n  last log lines:\n    boom: cannot open /data',
    );
  });
});

describe('executePlan when aborted', () => {
  it('starts nothing new, lets the calls in flight finish, and says it was interrupted', async () => {
    const engine = new MemoryEngine();
    const slow = engine.hold({ method: 'createVolume', target: 'a' });
    const run = execute(
      planOf([volumeOp('a'), volumeOp('b', ['volume:a']), volumeOp('c')]),
      engine,
    );
    await slow.arrived();
    run.abort.abort();
    slow.release();
    const error: unknown = await run.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toBe('interrupted: stopped before the plan finished');
    expect([...engine.state.volumes.keys()].sort()).toEqual(['a', 'c']);
    expect(engine.log.find({ method: 'createVolume', target: 'b' })).toEqual([]);
  });
  it('says it was interrupted when Ctrl-C comes while a service is waited for', async () => {
    const desired = stackOf(service('db', {}, true));
    const engine = engineFor(desired);
    // The check fails, so the wait sleeps before its next try; Ctrl-C comes then.
    engine.checks('db', 1);
    const check = engine.hold({ method: 'exec', service: 'db' });
    const run = execute(reconcile(desired, EMPTY, UP), engine);
    await check.arrived();
    check.release();
    await settle();
    // The CLI aborts with a plain Error: the wait rejects with it, which is no failure of ours.
    run.abort.abort(new Error('interrupted by SIGINT'));
    const error: unknown = await run.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as Error).message).toBe('interrupted: stopped before the plan finished');
  });
});

describe('executePlan and calls in flight', () => {
  it('keeps a stop the engine never answered listed, and strikes off one it answered with an error', async () => {
    const { engine, plan } = await upThenDown(stackOf(service('a'), service('b')));
    // The link breaks after the engine took the stop of a: it lands, and no answer comes.
    engine.failNext({ method: 'stopContainer', service: 'a' }, { lostLink: true, landed: true });
    engine.failNext({ method: 'stopContainer', service: 'b' }, { status: 500, message: 'stuck' });
    const written: InFlightCall[][] = [];
    const lock: Lock = {
      path: '/nowhere',
      inherited: undefined,
      recordInFlight: (calls) => Promise.resolve(void written.push(calls)),
      release: () => Promise.resolve(),
    };
    await expect(execute(plan, engine, { inFlight: trackInFlight(lock) }).done).rejects.toThrow(
      EngineError,
    );
    const stopOf = (name: string) =>
      plan.operations.find((o) => o.id.startsWith(`stop:${name}:`))?.operation;
    expect(engine.container('a').state).toBe('exited');
    expect(written.at(-1)).toEqual([stopOf('a')]);
    expect(written).toContainEqual([stopOf('a'), stopOf('b')]);
  });

  it("stops a service as soon as its dependent's container has exited, before that stop answers", async () => {
    const { engine, plan } = await upThenDown(
      stackOf(service('db'), service('app', { dependsOn: { db: 'started' } })),
      { app: ['db'] },
    );
    const appStop = engine.hold({ method: 'stopContainer', service: 'app' });
    const run = execute(plan, engine, { exits: engine.watchExits(projectSelector('p')) });
    await appStop.arrived();
    await settle();
    expect(engine.log.find({ method: 'stopContainer', service: 'db' })).toEqual([]);
    engine.exit('app', 0);
    await settle();
    expect(engine.log.only({ method: 'stopContainer', service: 'db' }).outcome).toBe('ok');
    expect(
      engine.log.only({ method: 'stopContainer', service: 'app' }).answeredSeq,
    ).toBeUndefined();
    appStop.release();
    await run.done;
    expect(engine.state.containers.size).toBe(0);
  });
});

describe('executePlan given a broken plan', () => {
  it('says it is a bug when operations wait on one the plan does not have', async () => {
    const run = execute(planOf([volumeOp('a', ['volume:missing'])]), new MemoryEngine());
    await expect(run.done).rejects.toThrow('bug: plan has operations that can never run: volume:a');
  });
});
