import { describe, expect, it } from 'vitest';
import { trackInFlight, type InFlightCall } from '../../../src/apply/in-flight.ts';
import type { ApplyEvent } from '../../../src/apply/events.ts';
import type { Lock } from '../../../src/apply/lock.ts';
import { wrapEngineError } from '../../../src/engine/wrap-error.ts';
import type { Engine } from '../../../src/engine/engine.ts';
import type { PlannedOperation } from '../../../src/plan/types.ts';

const stop: InFlightCall = {
  kind: 'stop-container',
  service: 'db',
  containerId: 'c1',
  containerName: 'p-db-1',
  timeoutS: 7,
};
const removal: InFlightCall = { kind: 'remove-network', networkId: 'n1', name: 'p_net' };

/** A lock double that keeps every list written to it. */
function lockWith(inherited: Lock['inherited']): Lock & { written: InFlightCall[][] } {
  const written: InFlightCall[][] = [];
  return {
    path: '/nowhere',
    inherited,
    written,
    recordInFlight: (calls) => {
      written.push(calls);
      return Promise.resolve();
    },
    release: () => Promise.resolve(),
  };
}

const planned = (id: string, operation: PlannedOperation['operation']): PlannedOperation => ({
  id,
  operation,
  after: [],
  cause: 'test',
});

describe('calls in flight', () => {
  it('lists stops and removals while they run, and nothing else', async () => {
    const lock = lockWith(undefined);
    const tracker = trackInFlight(lock);
    const start = planned('start:web', {
      kind: 'start-container',
      service: 'web',
      containerId: 'c2',
    });
    await tracker.begin(start);
    await tracker.begin(planned('stop:db', stop));
    await tracker.begin(planned('rm:net', removal));
    await tracker.end(planned('stop:db', stop));
    await tracker.end(start);
    await tracker.end(planned('rm:net', removal));
    expect(lock.written).toEqual([[stop], [stop, removal], [removal], []]);
  });

  it('strikes off a call the engine answered with an error, and keeps one it never answered', async () => {
    const lock = lockWith(undefined);
    const tracker = trackInFlight(lock);
    const other: InFlightCall = { ...stop, service: 'web', containerId: 'c2' };
    await tracker.begin(planned('stop:db', stop));
    await tracker.begin(planned('stop:web', other));
    // The link broke while the stop of db was on its way: the engine may still carry it out.
    const cut = wrapEngineError(
      { code: 'ECONNRESET', message: 'socket hang up' },
      { host: 'h1', operation: 'stop container', resource: 'c1' },
    );
    await tracker.end(planned('stop:db', stop), cut);
    const answered = wrapEngineError(
      { statusCode: 500, json: { message: 'cannot stop container' } },
      { host: 'h1', operation: 'stop container', resource: 'c2' },
    );
    await tracker.end(planned('stop:web', other), answered);
    expect(lock.written).toEqual([[stop], [stop, other], [stop]]);
    // A failure that is not the engine's (no answer came either) keeps it too.
    await tracker.end(planned('stop:db', stop), new Error('aborted'));
    expect(lock.written.at(-1)).toEqual([stop]);
  });

  it("sends a dead owner's calls again, takes 404 as done, and reports other failures", async () => {
    const lock = lockWith({
      from: 'an interrupted `notesctl down` (pid 42)',
      calls: [stop, removal],
    });
    const sent: string[] = [];
    const engine = {
      stopContainer: (id: string, timeoutS: number) => {
        sent.push(`stop ${id} ${timeoutS}`);
        return Promise.reject(
          wrapEngineError(
            { statusCode: 404, json: { message: 'No such container: c1' } },
            { host: 'local', operation: 'stop container', resource: id },
          ),
        );
      },
      removeNetwork: (id: string) => {
        sent.push(`remove network ${id}`);
        return Promise.reject(
          wrapEngineError(
            { statusCode: 403, json: { message: 'network has active endpoints' } },
            { host: 'local', operation: 'remove network', resource: id },
          ),
        );
      },
    } as unknown as Engine;
    const events: ApplyEvent[] = [];
    const tracker = trackInFlight(lock);
    await tracker.finishInherited(engine, (e) => events.push(e));
    expect(sent).toEqual(['stop c1 7', 'remove network n1']);
    expect(
      events.map(
        (e) => `${e.type} ${'text' in e ? e.text : ''}${'error' in e ? `: ${e.error}` : ''}`,
      ),
    ).toEqual([
      'op-start finish stop container p-db-1 (db) — sent by an interrupted `notesctl down` (pid 42)',
      'op-start finish remove network p_net — sent by an interrupted `notesctl down` (pid 42)',
      'op-done finish stop container p-db-1 (db) — sent by an interrupted `notesctl down` (pid 42)',
      'op-failed finish remove network p_net — sent by an interrupted `notesctl down` (pid 42): local: remove network n1: network has active endpoints (going on)',
    ]);
    // Each is struck off the lock's list once answered.
    expect(lock.written.at(-1)).toEqual([]);
  });

  it('keeps a call listed when the engine cannot be reached, and fails', async () => {
    const lock = lockWith({
      from: '`notesctl up` (pid 42) before it lost the engine',
      calls: [stop],
    });
    const engine = {
      stopContainer: (id: string) =>
        Promise.reject(
          wrapEngineError(
            { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
            { host: 'local', operation: 'stop container', resource: id },
          ),
        ),
    } as unknown as Engine;
    await expect(trackInFlight(lock).finishInherited(engine, () => undefined)).rejects.toThrow(
      /cannot reach the Docker engine/,
    );
    expect(lock.written).toEqual([]);
  });

  it('lets the call go out when the list cannot be written (a full state disk)', async () => {
    const lock: Lock = {
      ...lockWith(undefined),
      recordInFlight: () => Promise.reject(new Error('ENOSPC: no space left on device')),
    };
    const tracker = trackInFlight(lock);
    await expect(tracker.begin(planned('stop:db', stop))).resolves.toBeUndefined();
    await expect(tracker.end(planned('stop:db', stop))).resolves.toBeUndefined();
  });
});
