/**
 * The events table as the live-update machinery reads it, session revocations, and the health
 * ping: everything of the store that is not notes and comments.
 */
import { Op, QueryTypes, type Sequelize } from 'sequelize';
import { eventFromRow, type ChangeEvent } from '../live/events.ts';
import type { Models } from './models.ts';
import type { Write } from './write.ts';

/** Build the event, revocation and ping operations over one Sequelize instance. */
export function createEventStore(sequelize: Sequelize, models: Models, write: Write) {
  const { Event, Revocation } = models;
  return {
    /** Refuse a session id from now on (logout), on every replica. */
    revokeSession(sid: string, expiresAt: Date): Promise<void> {
      return write(async (t, emit) => {
        await Revocation.upsert({ sid, expiresAt }, { transaction: t });
        emit({
          kind: 'session-revoked',
          notekey: null,
          data: { sid, expiresAt: expiresAt.toISOString() },
        });
      });
    },

    /** Session ids revoked and not yet expired (loaded once at start-up). */
    async activeRevocations(): Promise<{ sid: string; expiresAt: Date }[]> {
      const rows = await Revocation.findAll({
        where: { expiresAt: { [Op.gt]: new Date() } },
        raw: true,
        logging: false,
      });
      return rows.map((r) => ({ sid: r.sid, expiresAt: new Date(r.expiresAt) }));
    },

    /** The newest event id (the poller starts after it). */
    async latestEventId(): Promise<number> {
      const rows = await sequelize.query<{ id: number | string | null }>(
        'SELECT MAX(id) AS id FROM events',
        {
          type: QueryTypes.SELECT,
          logging: false,
        },
      );
      return Number(rows[0]?.id ?? 0);
    },

    /** The oldest event id still kept, or null when the table is empty. */
    async oldestEventId(): Promise<number | null> {
      const rows = await sequelize.query<{ id: number | string | null }>(
        'SELECT MIN(id) AS id FROM events',
        {
          type: QueryTypes.SELECT,
          logging: false,
        },
      );
      const id = rows[0]?.id;
      return id === null || id === undefined ? null : Number(id);
    },

    /** Events after `id`, oldest first: one indexed range query on the primary key. */
    async eventsAfter(id: number, limit: number): Promise<ChangeEvent[]> {
      const rows = await sequelize.query<{
        id: number | string;
        kind: string;
        notekey: string | null;
        data: string;
      }>('SELECT id, kind, notekey, data FROM events WHERE id > :id ORDER BY id LIMIT :limit', {
        replacements: { id, limit },
        type: QueryTypes.SELECT,
        logging: false,
      });
      return rows.map(eventFromRow);
    },

    /** Drop events and revocations past their use (any replica may do it; it is idempotent). */
    async prune(eventRetentionMs: number): Promise<void> {
      const cutoff = new Date(Date.now() - eventRetentionMs);
      await Event.destroy({ where: { createdAt: { [Op.lt]: cutoff } }, logging: false });
      await Revocation.destroy({ where: { expiresAt: { [Op.lt]: new Date() } }, logging: false });
    },

    /** Is the database answering? (for /health) */
    async ping(): Promise<void> {
      await sequelize.query('SELECT 1', { type: QueryTypes.SELECT, logging: false });
    },
  };
}
