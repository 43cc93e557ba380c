/** findCriticalStart (src/plan/schedule.ts): which start the executor launches first. */
import { describe, expect, it } from 'vitest';
import { findCriticalStart } from '../../../src/plan/schedule.ts';
import type { Operation, PlannedOperation } from '../../../src/plan/types.ts';

const readiness = { test: undefined, timeoutMs: 1000 };

function op(id: string, operation: Operation, after: string[] = []): PlannedOperation {
  return { id, operation, after, cause: 'test' };
}
const start = (service: string, after: string[] = []) =>
  op(`start:${service}`, { kind: 'start-container', service, containerId: undefined }, after);
const wait = (service: string, after: string[]) =>
  op(
    `ready:${service}:healthy`,
    { kind: 'wait-ready', service, condition: 'healthy', containerId: undefined, readiness },
    after,
  );

describe('findCriticalStart', () => {
  it('picks the start with the longest weighted chain after it', () => {
    const ops = [
      start('web'),
      start('db'),
      wait('db', ['start:db']),
      start('api', ['ready:db:healthy']),
      wait('api', ['start:api']),
    ];
    expect(findCriticalStart(ops)).toBe('start:db');
  });

  it('takes the first of equal chains, in plan order', () => {
    expect(findCriticalStart([start('b'), start('a')])).toBe('start:b');
  });

  it('names none when the plan starts nothing', () => {
    expect(findCriticalStart([])).toBeUndefined();
  });

  it('names none when the plan stops a container (stops are never held back)', () => {
    const stop = op('stop:old:c1', {
      kind: 'stop-container',
      service: 'old',
      containerId: 'c1',
      containerName: 'c1',
      timeoutS: 10,
    });
    expect(findCriticalStart([stop, start('web')])).toBeUndefined();
  });
});
