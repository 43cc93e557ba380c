/**
 * Scale-out on MariaDB: two replicas started at the same moment on an empty database migrate once
 * (GET_LOCK), and each sees the other's changes live through the events table.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDb } from '../../../../test/bed/mariadb.ts';
import { startTestNotes, type TestNotes } from '../helpers/notes-app.ts';
import { openSse } from '../helpers/sse.ts';

describe('two notes replicas on one MariaDB', () => {
  let server: MariaDb;
  let name: string;
  let a: TestNotes;
  let b: TestNotes;

  beforeAll(async () => {
    server = await startMariaDb();
    name = `notes_${randomBytes(4).toString('hex')}`;
    const { url } = await server.createDatabase(name);
    [a, b] = await Promise.all([
      startTestNotes({ databaseUrl: url }),
      startTestNotes({ databaseUrl: url }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await server.stop();
  });

  it('migrated exactly once although both started together', async () => {
    const rows = await server.sql(`SELECT name FROM \`${name}\`.notes_migrations`);
    expect(rows.trim().split('\n')).toEqual(['0001-initial-schema']);
  });

  it("deliver each other's changes, in order, to their SSE clients", async () => {
    const homeOnB = await openSse(`${b.url}/notes/events`);
    const noteOnA = await openSse(`${a.url}/notes/events?key=scaled`);
    try {
      await a.notes.store.createNote({
        key: 'scaled',
        title: 'Made on A',
        body: 'x',
        author: 'u',
        authorName: 'U',
      });
      await b.notes.store.updateNote({ key: 'scaled', title: 'Renamed on B', body: 'y' });
      await b.notes.store.addComment({
        key: 'scaled',
        author: 'u',
        authorName: 'U',
        body: 'from B',
      });
      await homeOnB.waitFor((e) => (e.data as { title?: string }).title === 'Renamed on B');
      expect(homeOnB.events.map((e) => (e.data as { title: string }).title)).toEqual([
        'Made on A',
        'Renamed on B',
      ]);
      await noteOnA.waitFor((e) => e.event === 'comment-added');
      expect(noteOnA.events.map((e) => e.event)).toEqual([
        'note-saved',
        'note-saved',
        'comment-added',
      ]);
      await a.notes.store.destroyNote('scaled');
      await homeOnB.waitFor((e) => e.event === 'note-deleted');
      await noteOnA.waitFor((e) => e.event === 'note-deleted');
    } finally {
      homeOnB.close();
      noteOnA.close();
    }
  });

  it('keeps event ids in commit order under concurrent writers on both replicas', async () => {
    const stream = await openSse(`${a.url}/notes/events`);
    try {
      const writes = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).notes.store.createNote({
          key: `burst-${i}`,
          title: `Burst ${i}`,
          body: '',
          author: 'u',
          authorName: 'U',
        }),
      );
      await Promise.all(writes);
      const deadline = Date.now() + 10_000;
      while (stream.events.filter((e) => e.event === 'note-saved').length < 20) {
        if (Date.now() > deadline) throw new Error(`only ${stream.events.length} events arrived`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const ids = stream.events.map((e) => Number(e.id));
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    } finally {
      stream.close();
    }
  });
});
