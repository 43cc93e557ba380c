import { describe, expect, it } from 'vitest';
import { followNewTasks } from '../../../../src/targets/swarm/follow-tasks.ts';

describe('logs -f on a cluster: tasks that start while following', () => {
  it('hands each new task over once, keeps going past a failed listing, stops when aborted', async () => {
    const listings: (string[] | Error)[] = [['a'], ['a', 'b'], new Error('no leader'), ['b', 'c']];
    const started: string[] = [];
    const controller = new AbortController();
    let calls = 0;
    const list = () => {
      const next = listings[calls++];
      if (next === undefined) controller.abort();
      if (next instanceof Error) return Promise.reject(next);
      return Promise.resolve((next ?? []).map((containerId) => ({ containerId })));
    };
    await followNewTasks(
      list,
      new Set(['a']),
      (t) => started.push(t.containerId),
      controller.signal,
      1,
    );
    expect(started).toEqual(['b', 'c']);
    expect(calls).toBeGreaterThanOrEqual(5);
  });

  it('returns at once when already aborted', async () => {
    let calls = 0;
    const list = () => {
      calls += 1;
      return Promise.resolve([]);
    };
    await followNewTasks(list, new Set(), () => undefined, AbortSignal.abort(), 1);
    expect(calls).toBe(0);
  });
});
