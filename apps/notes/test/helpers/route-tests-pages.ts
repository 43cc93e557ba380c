/** The page and action rows of the table in issue 4 (shared by the SQLite and MariaDB suites). */
import { expect, it } from 'vitest';
import { Client } from './client.ts';
import type { SuiteContext } from './route-suite.ts';

/** Define the tests inside the caller's describe(). */
export function pageTests(ctx: SuiteContext): void {
  it('GET / lists titles linking to /notes/view?key=K, with "Log in" for anonymous visitors', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('home list');
    await ctx.createNote(alice, key, 'Shopping list');
    const page = await new Client(ctx.app().url).get('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="/notes/view?key=${encodeURIComponent(key)}"`);
    expect(page.text).toContain('>Shopping list</a>');
    expect(page.text).toContain('Log in');
    expect(page.text).not.toContain('Add note');
    expect(page.headers.getSetCookie()).toEqual([]);
  });

  it('GET / shows "Log out [name]" and "Add note" when logged in', async () => {
    const page = await (await ctx.loggedIn()).get('/');
    expect(page.text).toMatch(/Log out <span class="who">Alice Liddell<\/span>/);
    expect(page.text).toContain('href="/notes/add"');
  });

  it('GET / runs exactly one SQL query, anonymous or logged in, however many notes exist', async () => {
    const alice = await ctx.loggedIn();
    for (let i = 0; i < 5; i++) await ctx.createNote(alice, ctx.uniqueKey('count'), `Counted ${i}`);
    for (const client of [new Client(ctx.app().url), alice]) {
      ctx.app().queries.length = 0;
      const page = await client.get('/');
      expect(page.status).toBe(200);
      expect(ctx.app().queries, ctx.app().queries.join('\n')).toHaveLength(1);
      expect(ctx.app().queries[0]).toMatch(
        /^Executing \(default\): SELECT `notekey`, `title` FROM `notes`/,
      );
    }
  });

  it('GET /notes/view shows title, body, author, times and comments; unknown key → 404 page', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('view');
    await ctx.createNote(alice, key, 'Viewed note', 'Line one\nLine two');
    await alice.get(`/notes/view?key=${encodeURIComponent(key)}`);
    await alice.post('/notes/make-comment', { notekey: key, message: 'First!' });
    const page = await new Client(ctx.app().url).get(`/notes/view?key=${encodeURIComponent(key)}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1 id="note-title">Viewed note</h1>');
    expect(page.text).toContain('Line one\nLine two');
    expect(page.text).toContain('<span class="author">Alice Liddell</span>');
    expect(page.text).toMatch(/created <time id="note-created" datetime="\d{4}-/);
    expect(page.text).toContain('<p class="comment-body">First!</p>');
    const missing = await new Client(ctx.app().url).get('/notes/view?key=does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Page not found');
  });

  it('GET /notes/add: anonymous → login page, then back to /notes/add after logging in', async () => {
    const client = new Client(ctx.app().url);
    const first = await client.get('/notes/add');
    expect(first.status).toBe(302);
    expect(first.location).toBe('/users/login?returnTo=%2Fnotes%2Fadd');
    const form = await client.get(first.location ?? '');
    expect(form.text).toContain('name="returnTo" value="/notes/add"');
    const login = await client.post('/users/login', {
      username: ctx.alice.username,
      password: ctx.alice.password,
      returnTo: '/notes/add',
    });
    expect(login.status).toBe(302);
    expect(login.location).toBe('/notes/add');
    const add = await client.get('/notes/add');
    expect(add.status).toBe(200);
    expect(add.text).toContain('name="docreate" value="create"');
  });

  it('POST /users/login with a wrong password re-shows the form with a message', async () => {
    const client = new Client(ctx.app().url);
    const page = await client.login(ctx.alice.username, 'wrong password');
    expect(page.status).toBe(401);
    expect(page.text).toContain('Wrong user name or password.');
    expect(page.text).toContain('value="alice"');
    expect((await client.get('/notes/add')).status).toBe(302);
    const unknown = await new Client(ctx.app().url).login('nobody-here', 'whatever');
    expect(unknown.status).toBe(401);
  });

  it('POST /notes/save creates, then updates, and redirects to the view', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('save');
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
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('dup');
    await ctx.createNote(alice, key, 'Original');
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
    const alice = await ctx.loggedIn();
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
      notekey: ctx.uniqueKey('ghost'),
      title: 'T',
      body: '',
    });
    expect(unknown.status).toBe(404);
  });

  it('GET /notes/edit of an unknown key → 404; anonymous → login', async () => {
    const alice = await ctx.loggedIn();
    expect((await alice.get('/notes/edit?key=nothing-here')).status).toBe(404);
    const anonymous = await new Client(ctx.app().url).get('/notes/edit?key=x');
    expect(anonymous.location).toBe('/users/login?returnTo=%2Fnotes%2Fedit%3Fkey%3Dx');
  });

  it('GET /notes/destroy + POST /notes/destroy/confirm delete the note and its comments → 302 /', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('destroy');
    await ctx.createNote(alice, key, 'Doomed');
    await alice.post('/notes/make-comment', { notekey: key, message: 'c1' });
    await alice.post('/notes/make-comment', { notekey: key, message: 'c2' });
    expect(
      await ctx.count('SELECT COUNT(*) AS n FROM comments WHERE notekey = :key', { key }),
    ).toBe(2);
    const confirm = await alice.get(`/notes/destroy?key=${encodeURIComponent(key)}`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('its 2 comments will be deleted');
    const done = await alice.post('/notes/destroy/confirm', { notekey: key });
    expect(done.status).toBe(302);
    expect(done.location).toBe('/');
    expect(await ctx.count('SELECT COUNT(*) AS n FROM notes WHERE notekey = :key', { key })).toBe(
      0,
    );
    expect(
      await ctx.count('SELECT COUNT(*) AS n FROM comments WHERE notekey = :key', { key }),
    ).toBe(0);
    expect((await alice.get(`/notes/view?key=${encodeURIComponent(key)}`)).status).toBe(404);
    expect((await alice.post('/notes/destroy/confirm', { notekey: key })).status).toBe(404);
    expect((await alice.get(`/notes/destroy?key=${encodeURIComponent(key)}`)).status).toBe(404);
  });

  it('POST /notes/make-comment and /notes/del-message add and delete comments (author only)', async () => {
    const alice = await ctx.loggedIn();
    const bob = await ctx.loggedIn(ctx.bob);
    const key = ctx.uniqueKey('comments');
    await ctx.createNote(alice, key, 'Discussed');
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
      (await bob.post('/notes/make-comment', { notekey: ctx.uniqueKey('none'), message: 'x' }))
        .status,
    ).toBe(404);
    expect((await bob.post('/notes/make-comment', { notekey: key, message: '   ' })).status).toBe(
      400,
    );
  });

  it('GET /users/logout logs out for real: a copied session cookie stops working', async () => {
    const alice = await ctx.loggedIn();
    const copy = new Client(ctx.app().url);
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
}
