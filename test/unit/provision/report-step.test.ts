import { describe, expect, it } from 'vitest';
import type { ApplyEvent } from '../../../src/apply/events.ts';
import { reportStep } from '../../../src/provision/report-step.ts';

/** The events a step reported, without the time it took. */
function recorder(): { events: unknown[]; sink: (event: ApplyEvent) => void } {
  const events: unknown[] = [];
  return {
    events,
    sink: (event) => events.push('ms' in event ? { ...event, ms: 'ms' } : event),
  };
}

describe('reportStep', () => {
  it('reports start, then done with the text made from the value, and returns the value', async () => {
    const { events, sink } = recorder();
    const value = await reportStep(
      sink,
      'key',
      'register the key',
      () => Promise.resolve(7),
      (n) => `key ${n}`,
    );
    expect(value).toBe(7);
    expect(events).toEqual([
      { type: 'op-start', id: 'key', service: undefined, text: 'register the key' },
      { type: 'op-done', id: 'key', text: 'key 7', ms: 'ms' },
    ]);
  });

  it('says the step text when done without a done() text', async () => {
    const { events, sink } = recorder();
    await reportStep(sink, 'facts', 'check the server', () => Promise.resolve());
    expect(events.at(-1)).toEqual({
      type: 'op-done',
      id: 'facts',
      text: 'check the server',
      ms: 'ms',
    });
  });

  it('reports a failure with its message and rethrows it', async () => {
    const { events, sink } = recorder();
    const failure = new Error('403 forbidden');
    await expect(
      reportStep(sink, 'droplet', 'create droplet', () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    expect(events.at(-1)).toEqual({
      type: 'op-failed',
      id: 'droplet',
      text: 'create droplet',
      error: '403 forbidden',
    });
  });
});
