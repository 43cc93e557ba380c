/**
 * The one way the app writes: a transaction that also records its change events. It first takes
 * the event_clock row lock, so writers queue and event ids become visible in id order — a poller
 * reading `id > last` never skips an id that commits late (see live/poller.ts). The events are
 * inserted last, inside the same transaction: a change and its live update commit together.
 */
import type { Sequelize, Transaction } from 'sequelize';
import type { NewEvent } from '../live/events.ts';
import { beginWrite } from './database.ts';
import type { Models } from './models.ts';

/** Runs `work` in a write transaction; `emit` queues events to insert with it. */
export type Write = <T>(
  work: (t: Transaction, emit: (event: NewEvent) => void) => Promise<T>,
) => Promise<T>;

/** Build the writer; `afterWrite` runs after each commit that recorded events. */
export function createWriter(
  sequelize: Sequelize,
  Event: Models['Event'],
  afterWrite: () => void,
): Write {
  return async (work) => {
    const t = await beginWrite(sequelize);
    const pending: NewEvent[] = [];
    try {
      await sequelize.query('UPDATE event_clock SET ticks = ticks + 1 WHERE id = 1', {
        transaction: t,
      });
      const result = await work(t, (event) => pending.push(event));
      const now = new Date();
      for (const event of pending) {
        await Event.create(
          {
            kind: event.kind,
            notekey: event.notekey,
            data: JSON.stringify(event.data),
            createdAt: now,
          },
          { transaction: t },
        );
      }
      await t.commit();
      if (pending.length > 0) afterWrite();
      return result;
    } catch (error) {
      await t.rollback();
      throw error;
    }
  };
}
