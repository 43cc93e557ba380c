/**
 * The deploy lock on the host (issue 23), through the Docker lock store on the memory engine:
 * one holder at a time (the container name is created once), the holder named to whoever waits,
 * a lease renewed while held and judged by the host's clock, take-over of an expired lock naming
 * its holder, the calls in flight handed on by a lock released with calls unanswered, and a
 * holder that lost its lock leaving its successor's alone.
 */
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { acquireHostLock, parseOwner, type AcquireOptions } from '../../../src/apply/host-lock.ts';
import type { InFlightCall } from '../../../src/apply/in-flight.ts';
import { dockerLockStore, lockContainerName } from '../../../src/targets/docker/lock-store.ts';
import { MemoryEngine } from '../../support/memory-engine.ts';

const OPTIONS: AcquireOptions = { command: 'notesctl up', waitMs: 0, leaseMs: 30_000 };
const STOP: InFlightCall = {
  kind: 'stop-container',
  service: 'web',
  containerId: 'abc',
  name: 'p-web-1',
  timeoutS: 10,
} as unknown as InFlightCall;

function setup() {
  const engine = new MemoryEngine('h1');
  return { engine, store: dockerLockStore(engine, 'p') };
}

describe('the deploy lock on the host', () => {
  it('is one container, created once: a second run is refused naming the holder', async () => {
    const { engine, store } = setup();
    const held = await acquireHostLock(store, OPTIONS);
    expect(engine.log.calls.filter((c) => c.method === 'importImage')).toHaveLength(1);
    const owner = parseOwner((await store.read())?.content ?? '');
    expect(owner).toMatchObject({ command: 'notesctl up', pid: process.pid });
    await expect(acquireHostLock(store, { ...OPTIONS, command: 'notesctl down' })).rejects.toThrow(
      new RegExp(
        `deploy lock \\(container ${lockContainerName('p')} on h1\\) is held by \`notesctl up\` \\(.* pid ${process.pid}`,
      ),
    );
    await held.release();
    expect(await store.read()).toBeUndefined();
    const again = await acquireHostLock(store, OPTIONS);
    await again.release();
    // The image is made once per host.
    expect(engine.log.calls.filter((c) => c.method === 'importImage')).toHaveLength(1);
  });

  it('waits for a live holder and proceeds once it releases', async () => {
    const { store } = setup();
    const first = await acquireHostLock(store, OPTIONS);
    const waited: string[] = [];
    const second = acquireHostLock(store, {
      ...OPTIONS,
      waitMs: 10_000,
      onWait: (who) => waited.push(who),
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(waited).toHaveLength(1);
    await first.release();
    await (await second).release();
  });

  it('is renewed while held, and taken over by the host clock once its lease ran out', async () => {
    const { engine, store } = setup();
    const held = await acquireHostLock(store, { ...OPTIONS, leaseMs: 300 });
    const first = parseOwner((await store.read())?.content ?? '')?.expires ?? '';
    await new Promise((r) => setTimeout(r, 250));
    const renewed = parseOwner((await store.read())?.content ?? '')?.expires ?? '';
    expect(Date.parse(renewed)).toBeGreaterThan(Date.parse(first));
    // Still renewed: not taken over.
    await expect(acquireHostLock(store, OPTIONS)).rejects.toThrow(/is held by/);
    // The host's clock is past the lease (the holder stopped renewing, say): taken over.
    engine.clockOffsetMs = 60_000;
    const notes: string[] = [];
    const taker = await acquireHostLock(store, {
      ...OPTIONS,
      command: 'notesctl down',
      onTakeOver: (text) => notes.push(text),
    });
    expect(notes[0]).toMatch(
      /took over the deploy lock .* from `notesctl up` \(.*pid \d+.*its lease ran out/,
    );
    // The old holder learns it at its next renewal, and leaves the new lock alone.
    await new Promise((r) => setTimeout(r, 250));
    expect(held.lost).toMatch(/lost the deploy lock/);
    // …and its run is stopped at once: the session's signal is aborted, naming the new holder.
    expect(held.lostSignal.aborted).toBe(true);
    expect(String(held.lostSignal.reason)).toMatch(
      /now held by `notesctl down` .*stopped this run before it changed more/,
    );
    await held.release();
    expect(parseOwner((await store.read())?.content ?? '')?.command).toBe('notesctl down');
    await taker.release();
  });

  it('takes over at once from a holder on this machine whose process is gone', async () => {
    const { store } = setup();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const future = new Date(Date.now() + 600_000).toISOString();
    const owner = { token: 't', command: 'notesctl up', user: 'ann', machine: hostname() };
    await store.create(JSON.stringify({ ...owner, pid: dead, since: future, expires: future }));
    const notes: string[] = [];
    const taker = await acquireHostLock(store, { ...OPTIONS, onTakeOver: (t) => notes.push(t) });
    expect(notes[0]).toContain(`its process (pid ${dead}) is gone`);
    await taker.release();
    // On another machine the same pid says nothing: its lease is waited for.
    await store.create(
      JSON.stringify({ ...owner, machine: 'elsewhere', pid: dead, since: future, expires: future }),
    );
    await expect(acquireHostLock(store, OPTIONS)).rejects.toThrow(/is held by/);
  });

  it('hands the calls a run left unanswered to the next run, from any machine', async () => {
    const { store } = setup();
    const held = await acquireHostLock(store, OPTIONS);
    await held.recordInFlight([STOP]);
    await held.release();
    // Left behind, marked released, with the call.
    expect(parseOwner((await store.read())?.content ?? '')).toMatchObject({
      released: true,
      inFlight: [STOP],
    });
    const next = await acquireHostLock(store, OPTIONS);
    expect(next.inherited).toEqual({
      from: expect.stringMatching(
        /`notesctl up` \(pid \d+ on .*\) before it lost the engine/,
      ) as string,
      calls: [STOP],
    });
    // Until finished, the inherited call is listed under the new holder too.
    expect(parseOwner((await store.read())?.content ?? '')?.inFlight).toEqual([STOP]);
    await next.recordInFlight([]);
    await next.release();
    expect(await store.read()).toBeUndefined();
  });
});
