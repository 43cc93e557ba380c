/**
 * Route tests for every row of the table in issue 4, shared by the SQLite (unit) and MariaDB
 * (integration) projects. Login paths go through a real userauth process (test/bed/userauth.ts).
 */
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';
import { Client } from './client.ts';
import { startTestNotes, type TestNotes } from './notes-app.ts';
import { openSse } from './sse.ts';

/** A database for one suite run. */
export interface SuiteDatabase {
  url: string;
  cleanup(): Promise<void>;
}

const ALICE = {
  username: 'alice',
  password: 'alice-password-1',
  givenName: 'Alice',
  familyName: 'Liddell',
};
const BOB = { username: 'bob', password: 'bob-password-1' };

/** Define the route tests against the database `makeDatabase` provides. */
export function routeSuite(label: string, makeDatabase: () => Promise<SuiteDatabase>): void {
  describe(`notes routes (${label})`, () => {
    let userauth: Userauth;
    let db: SuiteDatabase;
    let app: TestNotes;
    let seq = 0;
    const uniqueKey = (prefix: string): string => `${prefix}-${++seq}-${Date.now().toString(36)}`;

    const count = async (sql: string, replacements: Record<string, unknown>): Promise<number> => {
      const rows = await app.notes.sequelize.query<{ n: number | string }>(sql, {
        replacements,
        type: QueryTypes.SELECT,
        logging: false,
      });
      return Number(rows[0]?.n ?? 0);
    };

    const loggedIn = async (
      user: { username: string; password: string } = ALICE,
    ): Promise<Client> => {
      const client = new Client(app.url);
      const page = await client.login(user.username, user.password);
      expect(page.status).toBe(302);
      return client;
    };

    const createNote = async (
      client: Client,
      key: string,
      title: string,
      body = 'Body text',
    ): Promise<void> => {
      await client.get('/notes/add');
      const page = await client.post('/notes/save', {
        docreate: 'create',
        notekey: key,
        title,
        body,
      });
      expect(page.status, page.text).toBe(302);
    };

    beforeAll(async () => {
      [userauth, db] = await Promise.all([startUserauth(), makeDatabase()]);
      await userauth.createUser(ALICE);
      await userauth.createUser(BOB);
      app = await startTestNotes({
        databaseUrl: db.url,
        userauthUrl: userauth.url,
        userauthKey: userauth.apiKey,
      });
    });

    afterAll(async () => {
      // Any of them is unset when beforeAll failed part-way.
      await (app as TestNotes | undefined)?.stop();
      await Promise.all([
        (userauth as Userauth | undefined)?.stop(),
        (db as SuiteDatabase | undefined)?.cleanup(),
      ]);
    });

    it('GET / lists titles linking to /notes/view?key=K, with "Log in" for anonymous visitors', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('home list');
      await createNote(alice, key, 'Shopping list');
      const page = await new Client(app.url).get('/');
      expect(page.status).toBe(200);
      expect(page.text).toContain(`href="/notes/view?key=${encodeURIComponent(key)}"`);
      expect(page.text).toContain('>Shopping list</a>');
      expect(page.text).toContain('Log in');
      expect(page.text).not.toContain('Add note');
      expect(page.headers.getSetCookie()).toEqual([]);
    });

    it('GET / shows "Log out [name]" and "Add note" when logged in', async () => {
      const page = await (await loggedIn()).get('/');
      expect(page.text).toMatch(/Log out <span class="who">Alice Liddell<\/span>/);
      expect(page.text).toContain('href="/notes/add"');
    });

    it('GET / runs exactly one SQL query, anonymous or logged in, however many notes exist', async () => {
      const alice = await loggedIn();
      for (let i = 0; i < 5; i++) await createNote(alice, uniqueKey('count'), `Counted ${i}`);
      for (const client of [new Client(app.url), alice]) {
        app.queries.length = 0;
        const page = await client.get('/');
        expect(page.status).toBe(200);
        expect(app.queries, app.queries.join('\n')).toHaveLength(1);
        expect(app.queries[0]).toMatch(
          /^Executing \(default\): SELECT `notekey`, `title` FROM `notes`/,
        );
      }
    });

    it('GET /notes/view shows title, body, author, times and comments; unknown key → 404 page', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('view');
      await createNote(alice, key, 'Viewed note', 'Line one\nLine two');
      await alice.get(`/notes/view?key=${encodeURIComponent(key)}`);
      await alice.post('/notes/make-comment', { notekey: key, message: 'First!' });
      const page = await new Client(app.url).get(`/notes/view?key=${encodeURIComponent(key)}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain('<h1 id="note-title">Viewed note</h1>');
      expect(page.text).toContain('Line one\nLine two');
      expect(page.text).toContain('<span class="author">Alice Liddell</span>');
      expect(page.text).toMatch(/created <time id="note-created" datetime="\d{4}-/);
      expect(page.text).toContain('<p class="comment-body">First!</p>');
      const missing = await new Client(app.url).get('/notes/view?key=does-not-exist');
      expect(missing.status).toBe(404);
      expect(missing.text).toContain('Page not found');
    });

    it('GET /notes/add: anonymous → login page, then back to /notes/add after logging in', async () => {
      const client = new Client(app.url);
      const first = await client.get('/notes/add');
      expect(first.status).toBe(302);
      expect(first.location).toBe('/users/login?returnTo=%2Fnotes%2Fadd');
      const form = await client.get(first.location ?? '');
      expect(form.text).toContain('name="returnTo" value="/notes/add"');
      const login = await client.post('/users/login', {
        username: ALICE.username,
        password: ALICE.password,
        returnTo: '/notes/add',
      });
      expect(login.status).toBe(302);
      expect(login.location).toBe('/notes/add');
      const add = await client.get('/notes/add');
      expect(add.status).toBe(200);
      expect(add.text).toContain('name="docreate" value="create"');
    });

    it('POST /users/login refuses to redirect off-site (no open redirect)', async () => {
      for (const returnTo of [
        '//evil.example/x',
        'https://evil.example/',
        '/\\evil.example',
        '/\t/evil.example',
      ]) {
        const client = new Client(app.url);
        const page = await client.login(ALICE.username, ALICE.password, returnTo);
        expect(page.status).toBe(302);
        expect(page.location).toBe('/');
      }
    });

    it('POST /users/login with a wrong password re-shows the form with a message', async () => {
      const client = new Client(app.url);
      const page = await client.login(ALICE.username, 'wrong password');
      expect(page.status).toBe(401);
      expect(page.text).toContain('Wrong user name or password.');
      expect(page.text).toContain('value="alice"');
      expect((await client.get('/notes/add')).status).toBe(302);
      const unknown = await new Client(app.url).login('nobody-here', 'whatever');
      expect(unknown.status).toBe(401);
    });

    it('POST /notes/save creates, then updates, and redirects to the view', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('save');
      await alice.get('/notes/add');
      const created = await alice.post('/notes/save', {
        docreate: 'create',
        notekey: key,
        title: 'Version 1',
        body: 'one',
      });
      expect(created.status).toBe(302);
      expect(created.location).toBe(`/notes/view?key=${encodeURIComponent(key)}`);
      const edit = await alice.get(`/notes/edit?key=${encodeURIComponent(key)}`);
      expect(edit.status).toBe(200);
      expect(edit.text).toContain('value="Version 1"');
      expect(edit.text).toContain('name="docreate" value="update"');
      const updated = await alice.post('/notes/save', {
        docreate: 'update',
        notekey: key,
        title: 'Version 2 — ünïcödé 😀',
        body: 'two',
      });
      expect(updated.status).toBe(302);
      const view = await alice.get(created.location ?? '');
      expect(view.text).toContain('Version 2 — ünïcödé 😀');
      expect(view.text).toContain('>two</div>');
    });

    it('POST /notes/save with a duplicate key re-shows the form with an error, not a 500', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('dup');
      await createNote(alice, key, 'Original');
      const page = await alice.post('/notes/save', {
        docreate: 'create',
        notekey: key,
        title: 'Copy',
        body: 'x',
      });
      expect(page.status).toBe(409);
      expect(page.text).toContain('already exists');
      expect(page.text).toContain('value="Copy"');
      const view = await alice.get(`/notes/view?key=${encodeURIComponent(key)}`);
      expect(view.text).toContain('Original');
    });

    it('POST /notes/save rejects invalid fields (422) and updates of unknown notes (404)', async () => {
      const alice = await loggedIn();
      await alice.get('/notes/add');
      const invalid = await alice.post('/notes/save', {
        docreate: 'create',
        notekey: '',
        title: '',
        body: '',
      });
      expect(invalid.status).toBe(422);
      expect(invalid.text).toContain('The key is required.');
      const unknown = await alice.post('/notes/save', {
        docreate: 'update',
        notekey: uniqueKey('ghost'),
        title: 'T',
        body: '',
      });
      expect(unknown.status).toBe(404);
    });

    it('GET /notes/edit of an unknown key → 404; anonymous → login', async () => {
      const alice = await loggedIn();
      expect((await alice.get('/notes/edit?key=nothing-here')).status).toBe(404);
      const anonymous = await new Client(app.url).get('/notes/edit?key=x');
      expect(anonymous.location).toBe('/users/login?returnTo=%2Fnotes%2Fedit%3Fkey%3Dx');
    });

    it('GET /notes/destroy + POST /notes/destroy/confirm delete the note and its comments → 302 /', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('destroy');
      await createNote(alice, key, 'Doomed');
      await alice.post('/notes/make-comment', { notekey: key, message: 'c1' });
      await alice.post('/notes/make-comment', { notekey: key, message: 'c2' });
      expect(await count('SELECT COUNT(*) AS n FROM comments WHERE notekey = :key', { key })).toBe(
        2,
      );
      const confirm = await alice.get(`/notes/destroy?key=${encodeURIComponent(key)}`);
      expect(confirm.status).toBe(200);
      expect(confirm.text).toContain('its 2 comments will be deleted');
      const done = await alice.post('/notes/destroy/confirm', { notekey: key });
      expect(done.status).toBe(302);
      expect(done.location).toBe('/');
      expect(await count('SELECT COUNT(*) AS n FROM notes WHERE notekey = :key', { key })).toBe(0);
      expect(await count('SELECT COUNT(*) AS n FROM comments WHERE notekey = :key', { key })).toBe(
        0,
      );
      expect((await alice.get(`/notes/view?key=${encodeURIComponent(key)}`)).status).toBe(404);
      expect((await alice.post('/notes/destroy/confirm', { notekey: key })).status).toBe(404);
      expect((await alice.get(`/notes/destroy?key=${encodeURIComponent(key)}`)).status).toBe(404);
    });

    it('POST /notes/make-comment and /notes/del-message add and delete comments (author only)', async () => {
      const alice = await loggedIn();
      const bob = await loggedIn(BOB);
      const key = uniqueKey('comments');
      await createNote(alice, key, 'Discussed');
      await bob.get(`/notes/view?key=${encodeURIComponent(key)}`);
      const made = await bob.post('/notes/make-comment', { notekey: key, message: 'Bob was here' });
      expect(made.status).toBe(302);
      const id = /#comment-(\d+)$/.exec(made.location ?? '')?.[1] ?? '';
      expect(id).not.toBe('');
      expect((await alice.get(`/notes/view?key=${encodeURIComponent(key)}`)).text).toContain(
        'Bob was here',
      );
      expect((await alice.post('/notes/del-message', { id })).status).toBe(403);
      const deleted = await bob.post('/notes/del-message', { id });
      expect(deleted.status).toBe(302);
      expect(deleted.location).toBe(`/notes/view?key=${encodeURIComponent(key)}#comments`);
      expect((await bob.get(`/notes/view?key=${encodeURIComponent(key)}`)).text).not.toContain(
        'Bob was here',
      );
      expect((await bob.post('/notes/del-message', { id })).status).toBe(404);
      expect(
        (await bob.post('/notes/make-comment', { notekey: uniqueKey('none'), message: 'x' }))
          .status,
      ).toBe(404);
      expect((await bob.post('/notes/make-comment', { notekey: key, message: '   ' })).status).toBe(
        400,
      );
    });

    it('anonymous POSTs to logged-in actions are refused (403 without a token, login with one)', async () => {
      const client = new Client(app.url);
      expect(
        (await client.post('/notes/make-comment', { notekey: 'x', message: 'y' })).status,
      ).toBe(403);
      await client.get('/users/login');
      const page = await client.post('/notes/make-comment', { notekey: 'x', message: 'y' });
      expect(page.status).toBe(302);
      expect(page.location).toBe('/users/login');
    });

    it('GET /users/logout logs out for real: a copied session cookie stops working', async () => {
      const alice = await loggedIn();
      const copy = new Client(app.url);
      for (const [k, v] of alice.cookies) copy.cookies.set(k, v);
      expect((await copy.get('/notes/add')).status).toBe(200);
      const out = await alice.get('/users/logout');
      expect(out.status).toBe(302);
      expect(out.location).toBe('/');
      expect((await alice.get('/notes/add')).status).toBe(302);
      const replay = await copy.get('/notes/add');
      expect(replay.status).toBe(302);
      expect(replay.location).toContain('/users/login');
    });

    it('rejects POSTs with a missing or wrong CSRF token with 403', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('csrf');
      const missing = await alice.post('/notes/save', {
        _csrf: null,
        docreate: 'create',
        notekey: key,
        title: 't',
        body: '',
      });
      expect(missing.status).toBe(403);
      const wrong = await alice.post('/notes/save', {
        _csrf: 'x'.repeat(43),
        docreate: 'create',
        notekey: key,
        title: 't',
        body: '',
      });
      expect(wrong.status).toBe(403);
      const other = new Client(app.url);
      await other.get('/users/login');
      const foreign = await alice.post('/notes/save', {
        _csrf: other.csrf ?? '',
        docreate: 'create',
        notekey: key,
        title: 't',
        body: '',
      });
      expect(foreign.status).toBe(403);
      expect(foreign.text).toContain('This form has expired');
      expect(await count('SELECT COUNT(*) AS n FROM notes WHERE notekey = :key', { key })).toBe(0);
      const noSession = await new Client(app.url).post('/users/login', {
        _csrf: null,
        username: 'alice',
        password: 'x',
      });
      expect(noSession.status).toBe(403);
    });

    it('escapes everything: a note titled <script> is shown as text', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('<b>xss</b>');
      const title = '<script>alert("t")</script>';
      await createNote(alice, key, title, '<img src=x onerror=alert(1)>');
      await alice.get(`/notes/view?key=${encodeURIComponent(key)}`);
      await alice.post('/notes/make-comment', {
        notekey: key,
        message: '<script>alert("c")</script>',
      });
      for (const path of ['/', `/notes/view?key=${encodeURIComponent(key)}`]) {
        const page = await new Client(app.url).get(path);
        expect(page.text).not.toContain('<script>alert');
        expect(page.text).not.toContain('<img src=x');
        expect(page.text).not.toContain('<b>xss');
      }
      const view = await new Client(app.url).get(`/notes/view?key=${encodeURIComponent(key)}`);
      expect(view.text).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;');
      expect(view.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(view.text).toContain('&lt;script&gt;alert(&quot;c&quot;)&lt;/script&gt;');
    });

    it('sends security headers and SameSite, HttpOnly session cookies', async () => {
      const client = new Client(app.url);
      const page = await client.get('/users/login');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('referrer-policy')).toBe('same-origin');
      const cookies = page.headers.getSetCookie();
      expect(cookies.length).toBeGreaterThan(0);
      for (const cookie of cookies) expect(cookie).toMatch(/samesite=lax/i);
      expect(cookies.find((c) => c.startsWith('notes.sid='))).toMatch(/httponly/i);
      expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
      expect(page.text).not.toMatch(/ on[a-z]+="/);
    });

    it('limits body size (413) and shows 404 pages for unknown paths', async () => {
      const alice = await loggedIn();
      await alice.get('/notes/add');
      const big = await alice.post('/notes/save', {
        docreate: 'create',
        notekey: 'big',
        title: 'big',
        body: 'x'.repeat(1_100_000),
      });
      expect(big.status).toBe(413);
      const missing = await new Client(app.url).get('/no/such/page');
      expect(missing.status).toBe(404);
      expect(missing.text).toContain('There is no page at this address.');
    });

    it('500 page leaks nothing (no SQL, no stack)', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('broken');
      await createNote(alice, key, 'Will break');
      await app.notes.sequelize.query('ALTER TABLE comments RENAME TO comments_hidden_xyz', {
        logging: false,
      });
      try {
        const page = await new Client(app.url).get(`/notes/view?key=${encodeURIComponent(key)}`);
        expect(page.status).toBe(500);
        expect(page.text).toContain('Something went wrong on our side.');
        const text = page.text.replace(/<[^>]+>/g, ' ');
        for (const leak of ['comments', 'SELECT', 'Error', 'sequelize', '.ts:'])
          expect(text).not.toContain(leak);
        expect(text).not.toMatch(/\bat \S+:\d+/);
      } finally {
        await app.notes.sequelize.query('ALTER TABLE comments_hidden_xyz RENAME TO comments', {
          logging: false,
        });
      }
    });

    it('GET /health is 200 when the database and userauth answer', async () => {
      const page = await new Client(app.url).get('/health');
      expect(page.status).toBe(200);
      expect(JSON.parse(page.text)).toEqual({ status: 'ok', database: true, userauth: true });
    });

    it('live: the home stream gets titles only; a note stream gets its edits and comments', async () => {
      const alice = await loggedIn();
      const key = uniqueKey('live');
      const home = await openSse(`${app.url}/notes/events`);
      try {
        await createNote(alice, key, 'Live one', 'secret-ish body');
        const saved = await home.waitFor(
          (e) => e.event === 'note-saved' && (e.data as { key: string }).key === key,
        );
        expect(saved.data).toEqual({ key, title: 'Live one' });
        const note = await openSse(`${app.url}/notes/events?key=${encodeURIComponent(key)}`);
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
      const alice = await loggedIn();
      const first = await openSse(`${app.url}/notes/events`);
      const key1 = uniqueKey('missed');
      await createNote(alice, key1, 'Before');
      const seen = await first.waitFor((e) => (e.data as { key?: string }).key === key1);
      first.close();
      const key2 = uniqueKey('missed');
      await createNote(alice, key2, 'While away');
      const again = await openSse(`${app.url}/notes/events`, { 'last-event-id': seen.id ?? '' });
      try {
        const missed = await again.waitFor((e) => (e.data as { key?: string }).key === key2);
        expect(missed.data).toEqual({ key: key2, title: 'While away' });
        expect(again.events.some((e) => (e.data as { key?: string }).key === key1)).toBe(false);
      } finally {
        again.close();
      }
    });
  });
}
