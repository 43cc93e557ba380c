/** The release history (issue 19): appending, choosing a rollback, images kept, the file format. */
import { describe, expect, it } from 'vitest';
import {
  appendRelease,
  chooseRollback,
  formatHistory,
  imagesToKeep,
  imagesToRemove,
  parseHistory,
  RollbackRefused,
  type Release,
  type ReleasedService,
} from '../../../src/releases/history.ts';

const author = { time: new Date('2026-12-07T12:00:00Z'), operator: 'ann@laptop', version: '0.1.0' };
const svc = (image: string, configHash = `h-${image}`): ReleasedService => ({
  image: `sha256:${image}`,
  ref: `notesctl-p/web:${image}`,
  configHash,
});

/** A history built by appending each step (service → image letter). */
function historyOf(...steps: Record<string, string>[]): Release[] {
  let history: Release[] = [];
  for (const step of steps) {
    const services = Object.fromEntries(Object.entries(step).map(([s, i]) => [s, svc(i)]));
    const next = appendRelease(history, { changed: Object.keys(step), services }, author);
    if (next) history = next.history;
  }
  return history;
}

describe('appendRelease', () => {
  it('numbers releases and carries over services out of the up', () => {
    const history = historyOf({ web: 'a', db: 'm' }, { web: 'b' });
    expect(history.map((r) => r.id)).toEqual([1, 2]);
    expect(history[1]?.changed).toEqual(['web']);
    expect(history[1]?.services.db?.image).toBe('sha256:m');
    expect(history[1]?.services.web?.image).toBe('sha256:b');
    expect(history[1]?.operator).toBe('ann@laptop');
    expect(history[1]?.time).toBe('2026-12-07T12:00:00.000Z');
  });

  it('records nothing when nothing changed', () => {
    expect(appendRelease([], { changed: [], services: { web: svc('a') } }, author)).toBeUndefined();
  });

  it('round-trips through the file, rollbackOf included, and refuses a damaged file', () => {
    const history = historyOf({ web: 'a' });
    const next = appendRelease(
      history,
      { changed: ['web'], services: { web: svc('z') } },
      { ...author, rollbackOf: 1 },
    );
    const text = formatHistory(next?.history ?? []);
    expect(parseHistory(text)).toEqual(next?.history);
    expect(parseHistory(undefined)).toEqual([]);
    expect(() => parseHistory('{"format":1,"releases":[{"id":"x"}]}')).toThrow(
      /unreadable release history/,
    );
  });
});

describe('chooseRollback', () => {
  it('goes back to the last release that ran another image of the service', () => {
    // 3 changed only web's configuration (same image b): rollback skips it.
    const history = historyOf({ web: 'a', db: 'm' }, { web: 'b' }, { web: 'b' }, { db: 'n' });
    const choice = chooseRollback(history, { services: ['web'], to: undefined });
    expect(choice.to.id).toBe(1);
    expect([...choice.pins.keys()]).toEqual(['web']);
    expect(choice.pins.get('web')?.image).toBe('sha256:a');
  });

  it('for the whole project, pins every service whose image differs from now', () => {
    const history = historyOf({ web: 'a', db: 'm' }, { web: 'b', db: 'n' });
    const choice = chooseRollback(history, { services: [], to: undefined });
    expect(choice.to.id).toBe(1);
    expect([...choice.pins.keys()].sort()).toEqual(['db', 'web']);
  });

  it('takes --to, and refuses what cannot be rolled back with a reason', () => {
    const history = historyOf({ web: 'a' }, { web: 'b' }, { web: 'c' });
    expect(chooseRollback(history, { services: ['web'], to: 1 }).pins.get('web')?.image).toBe(
      'sha256:a',
    );
    const refused = (services: string[], to: number | undefined, h = history) => {
      try {
        chooseRollback(h, { services, to });
      } catch (error) {
        if (error instanceof RollbackRefused) return error.message;
        throw error;
      }
      return 'not refused';
    };
    expect(refused(['web'], 9)).toBe('release 9 is not in the history (1–3)');
    expect(refused(['web'], 3)).toBe('release 3 runs the same images of web as now');
    expect(refused(['api'], undefined)).toBe('service api is in no release on this host');
    expect(refused([], undefined, [])).toBe('no release recorded yet');
    expect(refused(['web'], undefined, historyOf({ web: 'a' }))).toBe(
      'no earlier release ran another image of web',
    );
  });
});

describe('imagesToKeep', () => {
  it('keeps the last N distinct images, newest first, the running one included', () => {
    const history = historyOf({ web: 'a' }, { web: 'b' }, { web: 'a' }, { web: 'c' }, { web: 'd' });
    expect([...imagesToKeep(history, 'web', 2)]).toEqual(['sha256:d', 'sha256:c']);
    expect([...imagesToKeep(history, 'web', 3)]).toEqual(['sha256:d', 'sha256:c', 'sha256:a']);
    expect(imagesToKeep(history, 'db', 5).size).toBe(0);
  });

  it('removes only images an earlier release ran, never one no release ran', () => {
    const history = historyOf({ web: 'a' }, { web: 'b' }, { web: 'a' }, { web: 'c' }, { web: 'd' });
    expect([...imagesToRemove(history, 'web', 2)].sort()).toEqual(['sha256:a', 'sha256:b']);
    expect([...imagesToRemove(history, 'web', 3)]).toEqual(['sha256:b']);
    expect(imagesToRemove(history, 'web', 5).size).toBe(0);
  });
});
