/** Live updates through the routes: what each stream carries, and Last-Event-ID replay. */
import { expect, it } from 'vitest';
import { openSse } from './sse.ts';
import type { SuiteContext } from './route-suite.ts';

/** Define the tests inside the caller's describe(). */
export function liveTests(ctx: SuiteContext): void {
  it('live: the home stream gets titles only; a note stream gets its edits and comments', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('live');
    const home = await openSse(`${ctx.app().url}/notes/events`);
    try {
      await ctx.createNote(alice, key, 'Live one', 'secret-ish body');
      const saved = await home.waitFor(
        (e) => e.event === 'note-saved' && (e.data as { key: string }).key === key,
      );
      expect(saved.data).toEqual({ key, title: 'Live one' });
      const note = await openSse(`${ctx.app().url}/notes/events?key=${encodeURIComponent(key)}`);
      try {
        await alice.post('/notes/save', {
          docreate: 'update',
          notekey: key,
          title: 'Live two',
          body: 'new body',
        });
        const edit = await note.waitFor((e) => e.event === 'note-saved');
        expect(edit.data).toMatchObject({
          key,
          title: 'Live two',
          body: 'new body',
          authorName: 'Alice Liddell',
        });
        await alice.get(`/notes/view?key=${encodeURIComponent(key)}`);
        await alice.post('/notes/make-comment', { notekey: key, message: 'live comment' });
        const added = await note.waitFor((e) => e.event === 'comment-added');
        expect(added.data).toMatchObject({
          key,
          body: 'live comment',
          authorName: 'Alice Liddell',
        });
        const id = String((added.data as { id: number }).id);
        await alice.post('/notes/del-message', { id });
        await note.waitFor((e) => e.event === 'comment-deleted');
        await alice.post('/notes/destroy/confirm', { notekey: key });
        await note.waitFor((e) => e.event === 'note-deleted');
        await home.waitFor(
          (e) => e.event === 'note-deleted' && (e.data as { key: string }).key === key,
        );
        expect(home.events.some((e) => e.event.startsWith('comment-'))).toBe(false);
        expect(JSON.stringify(home.events)).not.toContain('body');
      } finally {
        note.close();
      }
    } finally {
      home.close();
    }
  });

  it('live: a reconnecting client gets what it missed (Last-Event-ID)', async () => {
    const alice = await ctx.loggedIn();
    const first = await openSse(`${ctx.app().url}/notes/events`);
    const key1 = ctx.uniqueKey('missed');
    await ctx.createNote(alice, key1, 'Before');
    const seen = await first.waitFor((e) => (e.data as { key?: string }).key === key1);
    first.close();
    const key2 = ctx.uniqueKey('missed');
    await ctx.createNote(alice, key2, 'While away');
    const again = await openSse(`${ctx.app().url}/notes/events`, {
      'last-event-id': seen.id ?? '',
    });
    try {
      const missed = await again.waitFor((e) => (e.data as { key?: string }).key === key2);
      expect(missed.data).toEqual({ key: key2, title: 'While away' });
      expect(again.events.some((e) => (e.data as { key?: string }).key === key1)).toBe(false);
    } finally {
      again.close();
    }
  });
}
