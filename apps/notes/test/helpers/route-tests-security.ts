/** Security rows: CSRF, escaping, headers, limits, error pages, open redirects, health. */
import { expect, it } from 'vitest';
import { Client } from './client.ts';
import type { SuiteContext } from './route-suite.ts';

/** Define the tests inside the caller's describe(). */
export function securityTests(ctx: SuiteContext): void {
  it('POST /users/login refuses to redirect off-site (no open redirect)', async () => {
    for (const returnTo of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
    ]) {
      const client = new Client(ctx.app().url);
      const page = await client.login(ctx.alice.username, ctx.alice.password, returnTo);
      expect(page.status).toBe(302);
      expect(page.location).toBe('/');
    }
  });

  it('anonymous POSTs to logged-in actions are refused (403 without a token, login with one)', async () => {
    const client = new Client(ctx.app().url);
    expect((await client.post('/notes/make-comment', { notekey: 'x', message: 'y' })).status).toBe(
      403,
    );
    await client.get('/users/login');
    const page = await client.post('/notes/make-comment', { notekey: 'x', message: 'y' });
    expect(page.status).toBe(302);
    expect(page.location).toBe('/users/login');
  });

  it('rejects POSTs with a missing or wrong CSRF token with 403', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('csrf');
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
    const other = new Client(ctx.app().url);
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
    expect(await ctx.count('SELECT COUNT(*) AS n FROM notes WHERE notekey = :key', { key })).toBe(
      0,
    );
    const noSession = await new Client(ctx.app().url).post('/users/login', {
      _csrf: null,
      username: 'alice',
      password: 'x',
    });
    expect(noSession.status).toBe(403);
  });

  it('escapes everything: a note titled <script> is shown as text', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('<b>xss</b>');
    const title = '<script>alert("t")</script>';
    await ctx.createNote(alice, key, title, '<img src=x onerror=alert(1)>');
    await alice.get(`/notes/view?key=${encodeURIComponent(key)}`);
    await alice.post('/notes/make-comment', {
      notekey: key,
      message: '<script>alert("c")</script>',
    });
    for (const path of ['/', `/notes/view?key=${encodeURIComponent(key)}`]) {
      const page = await new Client(ctx.app().url).get(path);
      expect(page.text).not.toContain('<script>alert');
      expect(page.text).not.toContain('<img src=x');
      expect(page.text).not.toContain('<b>xss');
    }
    const view = await new Client(ctx.app().url).get(`/notes/view?key=${encodeURIComponent(key)}`);
    expect(view.text).toContain('&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;');
    expect(view.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(view.text).toContain('&lt;script&gt;alert(&quot;c&quot;)&lt;/script&gt;');
  });

  it('sends security headers and SameSite, HttpOnly session cookies', async () => {
    const client = new Client(ctx.app().url);
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

  it('answers a corrupt compressed body with 400, not 500 (issue 7 fuzz finding)', async () => {
    const alice = await ctx.loggedIn();
    await alice.get('/notes/add');
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const response = await fetch(new URL('/notes/save', ctx.app().url), {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-encoding': encoding,
          cookie: [...alice.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
        body: Buffer.from([0x1f, 0x8b, 0x08, 0x61, 0x3d, 0x62]),
      });
      expect(response.status, encoding).toBe(400);
      expect(await response.text()).toContain('The request body could not be read.');
    }
  });

  it('treats a login longer than userauth accepts as a wrong login (401), not an outage', async () => {
    const client = new Client(ctx.app().url);
    const page = await client.login(ctx.alice.username, 'x'.repeat(2000));
    expect(page.status).toBe(401);
    expect(page.text).toContain('Wrong user name or password.');
  });

  it('says when to retry once userauth rate-limits an account (429, not 503)', async () => {
    const username = `guessed-${ctx.uniqueKey('u')}`;
    const statuses: number[] = [];
    let last = '';
    for (let i = 0; i < 11; i++) {
      const page = await new Client(ctx.app().url).login(username, `guess-${i}`);
      statuses.push(page.status);
      last = page.text;
      if (page.status === 429) expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
    expect(last).toMatch(/Too many failed attempts\. Try again in \d+ seconds\./);
  });

  it('limits body size (413) and shows 404 pages for unknown paths', async () => {
    const alice = await ctx.loggedIn();
    await alice.get('/notes/add');
    const big = await alice.post('/notes/save', {
      docreate: 'create',
      notekey: 'big',
      title: 'big',
      body: 'x'.repeat(1_100_000),
    });
    expect(big.status).toBe(413);
    const missing = await new Client(ctx.app().url).get('/no/such/page');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('There is no page at this address.');
  });

  it('500 page leaks nothing (no SQL, no stack)', async () => {
    const alice = await ctx.loggedIn();
    const key = ctx.uniqueKey('broken');
    await ctx.createNote(alice, key, 'Will break');
    await ctx.app().notes.sequelize.query('ALTER TABLE comments RENAME TO comments_hidden_xyz', {
      logging: false,
    });
    try {
      const page = await new Client(ctx.app().url).get(
        `/notes/view?key=${encodeURIComponent(key)}`,
      );
      expect(page.status).toBe(500);
      expect(page.text).toContain('Something went wrong on our side.');
      const text = page.text.replace(/<[^>]+>/g, ' ');
      for (const leak of ['comments', 'SELECT', 'Error', 'sequelize', '.ts:'])
        expect(text).not.toContain(leak);
      expect(text).not.toMatch(/\bat \S+:\d+/);
    } finally {
      await ctx.app().notes.sequelize.query('ALTER TABLE comments_hidden_xyz RENAME TO comments', {
        logging: false,
      });
    }
  });

  it('GET /health is 200 when the database and userauth answer', async () => {
    const page = await new Client(ctx.app().url).get('/health');
    expect(page.status).toBe(200);
    expect(JSON.parse(page.text)).toEqual({ status: 'ok', database: true, userauth: true });
  });
}
