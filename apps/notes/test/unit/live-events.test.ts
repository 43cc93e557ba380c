/** The live channel: what each viewer may see, and two replicas sharing one database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectEvent, type ChangeEvent } from '../../src/live/events.ts';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';
import { Client } from '../helpers/client.ts';
import { startTestNotes, tempSqlite, type TestNotes } from '../helpers/notes-app.ts';
import { openSse } from '../helpers/sse.ts';

const saved: ChangeEvent = {
  id: 7,
  kind: 'note-saved',
  notekey: 'k',
  data: { key: 'k', title: 'T', body: 'B', authorName: 'A', createdAt: 'c', updatedAt: 'u' },
};
const comment: ChangeEvent = {
  id: 8,
  kind: 'comment-added',
  notekey: 'k',
  data: { key: 'k', id: 1, author: 'a', authorName: 'A', body: 'hi', createdAt: 'c' },
};

describe('projectEvent', () => {
  it('gives the home list only key and title', () => {
    expect(projectEvent(saved, { kind: 'home' })).toEqual({
      id: 7,
      event: 'note-saved',
      data: { key: 'k', title: 'T' },
    });
    expect(projectEvent(comment, { kind: 'home' })).toBeNull();
  });

  it('gives a note page its own note and comments, and nothing of other notes', () => {
    expect(projectEvent(saved, { kind: 'note', key: 'k' })?.data).toEqual(saved.data);
    expect(projectEvent(comment, { kind: 'note', key: 'k' })?.event).toBe('comment-added');
    expect(projectEvent(saved, { kind: 'note', key: 'other' })).toBeNull();
  });

  it('never sends session revocations to anyone', () => {
    const revoked: ChangeEvent = {
      id: 9,
      kind: 'session-revoked',
      notekey: null,
      data: { sid: 's', expiresAt: 'e' },
    };
    expect(projectEvent(revoked, { kind: 'home' })).toBeNull();
    expect(projectEvent(revoked, { kind: 'note', key: 'k' })).toBeNull();
  });
});

describe('two replicas on one database', () => {
  let db: Awaited<ReturnType<typeof tempSqlite>>;
  let a: TestNotes;
  let b: TestNotes;

  let userauth: Userauth;

  beforeAll(async () => {
    [db, userauth] = await Promise.all([tempSqlite(), startUserauth()]);
    await userauth.createUser({ username: 'carol', password: 'carol-password-1' });
    const options = {
      databaseUrl: db.url,
      userauthUrl: userauth.url,
      userauthKey: userauth.apiKey,
    };
    a = await startTestNotes(options);
    b = await startTestNotes(options);
  });

  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all([db.remove(), userauth.stop()]);
  });

  it("see each other's events, in order, through the events table", async () => {
    const onB = await openSse(`${b.url}/notes/events`);
    const onA = await openSse(`${a.url}/notes/events?key=shared`);
    try {
      await a.notes.store.createNote({
        key: 'shared',
        title: 'From A',
        body: 'a',
        author: 'u',
        authorName: 'U',
      });
      await b.notes.store.updateNote({ key: 'shared', title: 'Renamed on B', body: 'b' });
      await b.notes.store.addComment({
        key: 'shared',
        author: 'u',
        authorName: 'U',
        body: 'hello from B',
      });
      await onB.waitFor(
        (e) => e.event === 'note-saved' && (e.data as { title: string }).title === 'Renamed on B',
      );
      expect(onB.events.map((e) => (e.data as { title: string }).title)).toEqual([
        'From A',
        'Renamed on B',
      ]);
      await onA.waitFor((e) => e.event === 'comment-added');
      expect(onA.events.map((e) => e.event)).toEqual(['note-saved', 'note-saved', 'comment-added']);
      const ids = onA.events.map((e) => Number(e.id));
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
    } finally {
      onA.close();
      onB.close();
    }
  });

  it('a session made on one replica works on the other, and logout on one ends it on both', async () => {
    const onA = new Client(a.url);
    expect((await onA.login('carol', 'carol-password-1')).status).toBe(302);
    const onB = new Client(b.url);
    for (const [k, v] of onA.cookies) onB.cookies.set(k, v);
    expect((await onB.get('/notes/add')).status).toBe(200);
    await onA.get('/users/logout');
    const deadline = Date.now() + 5_000;
    for (;;) {
      const page = await onB.get('/notes/add');
      if (page.status === 302) break;
      if (Date.now() > deadline) throw new Error('B still accepts the logged-out session');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
