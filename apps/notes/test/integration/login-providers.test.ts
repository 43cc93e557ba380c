/**
 * "Log in with X" and "Log in with <OpenID provider>" (issue 22) end to end: the notes app (on
 * SQLite) with a real userauth, a real OpenID Provider (oidc-provider, helpers/oidc-provider.ts)
 * and the local fake of X's OAuth 2.0 (fakes/x-oauth.ts), driven in Debian's chromium. One
 * browser and one set of servers for the whole file; each test has its own browser context.
 */
import { createHash } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../../test/bed/mariadb.ts';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';
import { startFakeX, type FakeX } from '../fakes/x-oauth.ts';
import { startTestNotes, tempSqlite, type TestNotes } from '../helpers/notes-app.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';

let userauth: Userauth;
let notes: TestNotes;
let oidc: TestOidcProvider;
let fakeX: FakeX;
let browser: Browser;
let removeDb: (() => Promise<void>) | undefined;
const X_SECRET = 'x-client-secret-for-tests';

beforeAll(async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const db = await tempSqlite();
  removeDb = () => db.remove();
  [userauth, oidc, fakeX] = await Promise.all([
    startUserauth(),
    startOidcProvider({ redirectUri: `${publicUrl}/auth/oidc/callback` }),
    startFakeX({
      clientId: 'x-client',
      clientSecret: X_SECRET,
      redirectUris: [`${publicUrl}/auth/x/callback`],
    }),
  ]);
  notes = await startTestNotes({
    databaseUrl: db.url,
    userauthUrl: userauth.url,
    userauthKey: userauth.apiKey,
    env: {
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      OIDC_ISSUER: oidc.issuer,
      OIDC_CLIENT_ID: oidc.clientId,
      OIDC_CLIENT_SECRET: oidc.clientSecret,
      OIDC_NAME: 'Test ID',
      OIDC_PROVIDER: 'testid',
      X_CLIENT_ID: 'x-client',
      X_CLIENT_SECRET: X_SECRET,
      X_AUTHORIZE_URL: `${fakeX.url}/i/oauth2/authorize`,
      X_TOKEN_URL: `${fakeX.url}/2/oauth2/token`,
      X_API_URL: fakeX.url,
    },
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await (notes as TestNotes | undefined)?.stop();
  await Promise.all([
    (userauth as Userauth | undefined)?.stop(),
    (oidc as TestOidcProvider | undefined)?.close(),
    (fakeX as FakeX | undefined)?.close(),
  ]);
  await removeDb?.();
});

/** A fresh browser context with its page; fails the test on any page error. */
async function withPage(run: (page: Page, context: BrowserContext) => Promise<void>) {
  const context = await browser.newContext({ baseURL: notes.url });
  const errors: string[] = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await run(page, context);
  } finally {
    await context.close();
  }
  expect(errors).toEqual([]);
}

/** At the OpenID provider's own pages: sign in as `login` and consent. */
async function signInAtProvider(page: Page, login: string) {
  await page.waitForURL((url) => url.origin === oidc.issuer);
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
  await page.locator('button', { hasText: 'Continue' }).click();
}

/** Write a note as the logged-in user, then log out. */
async function writeNoteAndLogOut(page: Page, key: string) {
  await page.goto('/notes/add');
  await page.fill('#notekey', key);
  await page.fill('#title', `Note ${key}`);
  await page.fill('#body', 'Written after a provider login');
  await page.click('form.note-form button[type=submit]');
  await page.waitForURL(`**/notes/view?key=${key}`);
  expect(await page.locator('#note-title').textContent()).toBe(`Note ${key}`);
  await page.click('a.logout');
  await page.waitForURL((url) => url.pathname === '/');
  expect(await page.locator('header a.button', { hasText: 'Log in' }).count()).toBe(1);
  await page.goto('/notes/add');
  await expect.poll(() => page.url()).toContain('/users/login');
}

/** Who userauth knows under `username` (qualified). */
async function userauthFind(username: string) {
  const res = await fetch(`${userauth.url}/find/${encodeURIComponent(username)}`, {
    headers: { authorization: userauth.authorization },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Log in with an OpenID Connect provider', () => {
  it('logs in through the provider, writes a note and logs out', async () => {
    await withPage(async (page) => {
      await page.goto('/notes/add');
      await page.waitForURL('**/users/login?returnTo=%2Fnotes%2Fadd');
      await page.click('#login-with-oidc');
      await signInAtProvider(page, 'olivia');
      await page.waitForURL(`${notes.url}/notes/add`);
      expect(await page.locator('.who').textContent()).toBe('Test olivia');
      expect((await userauthFind('testid:olivia')).body).toMatchObject({
        username: 'testid:olivia',
        provider: 'testid',
        givenName: 'Test',
        familyName: 'olivia',
        emails: ['olivia@example.test'],
      });
      await writeNoteAndLogOut(page, 'oidc-note');
    });
  });

  it('lands on the login page with a message when the user cancels at the provider', async () => {
    await withPage(async (page) => {
      await page.goto('/users/login');
      await page.click('#login-with-oidc');
      await page.waitForURL((url) => url.origin === oidc.issuer);
      await page.click('a:has-text("Cancel")');
      await page.waitForURL('**/auth/oidc/callback?**');
      await expectRefused(page, 'You did not allow this app to use your Test ID account');
    });
  });
});

describe('Log in with X (local fake of X)', () => {
  it('logs in through X, writes a note and logs out', async () => {
    fakeX.signInAs({
      id: '2244994945',
      name: 'X Developers',
      username: '_xdev',
      profile_image_url: 'https://pbs.twimg.com/profile_images/1/x_normal.jpg',
    });
    await withPage(async (page) => {
      await page.goto('/users/login');
      await page.click('#login-with-x');
      await page.waitForURL((url) => url.origin === fakeX.url);
      await page.click('#allow');
      await page.waitForURL((url) => url.pathname === '/');
      expect(await page.locator('.who').textContent()).toBe('@_xdev');
      expect((await userauthFind('x:2244994945')).body).toMatchObject({
        provider: 'x',
        givenName: 'X Developers',
        photos: ['https://pbs.twimg.com/profile_images/1/x_normal.jpg'],
      });
      await writeNoteAndLogOut(page, 'x-note');
    });
    // The token request was X's: HTTP Basic, the PKCE verifier, the registered redirect URI.
    const token = fakeX.requests.filter((r) => r.path === '/2/oauth2/token').at(-1);
    expect(token).toMatchObject({ status: 200, basicAuth: true });
    expect(token?.form).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: `${notes.url}/auth/x/callback`,
    });
    expect(token?.form?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
  });

  it('lands on the login page with a message when the user cancels at X', async () => {
    await withPage(async (page, context) => {
      await page.goto('/users/login');
      await page.click('#login-with-x');
      await page.click('#deny');
      await page.waitForURL('**/auth/x/callback?**');
      expect(await page.locator('.errors').textContent()).toContain(
        'You did not allow this app to use your X account',
      );
      expect(await page.locator('.who').count()).toBe(0);
      expect(
        (await context.cookies()).some((c) => c.name === 'notes.sid' && c.value.includes('user')),
      ).toBe(false);
    });
  });
});

/** Expect the login page with `message`, and nobody logged in in this context. */
async function expectRefused(page: Page, message: string) {
  expect(await page.locator('h1').textContent()).toBe('Log in');
  expect(await page.locator('.errors').textContent()).toContain(message);
  expect(await page.locator('.who').count()).toBe(0);
  await page.goto('/notes/add');
  await expect.poll(() => page.url()).toContain('/users/login');
}

let logins = 0;
/** Start an OIDC login in `page` and sign in at the provider; the callback is held back. */
async function oidcUpToCallback(page: Page): Promise<URL> {
  const held = oidc.holdNextCallback();
  await page.goto('/users/login');
  await page.click('#login-with-oidc');
  await signInAtProvider(page, `user${++logins}`);
  return held;
}

describe('refused provider logins', () => {
  const VERIFY = 'could not be verified, so nobody was logged in';
  const now = () => Math.floor(Date.now() / 1000);

  it('accepts an ID token that was only re-signed (the control for the cases below)', async () => {
    oidc.tamper({ claims: (c) => c });
    try {
      await withPage(async (page) => {
        await page.goto((await oidcUpToCallback(page)).toString());
        await page.waitForURL(`${notes.url}/`);
        expect(await page.locator('.who').textContent()).toMatch(/^Test user\d+$/);
      });
    } finally {
      oidc.tamper(undefined);
    }
  });

  it.each([
    ['a wrong nonce', { claims: (c: JWTPayload) => ({ ...c, nonce: 'not-the-session-nonce' }) }],
    [
      'another issuer',
      { claims: (c: JWTPayload) => ({ ...c, iss: 'http://127.0.0.1:9/other-issuer' }) },
    ],
    ['another audience', { claims: (c: JWTPayload) => ({ ...c, aud: 'another-client' }) }],
    [
      'an expired token',
      { claims: (c: JWTPayload) => ({ ...c, iat: now() - 7200, exp: now() - 3600 }) },
    ],
    ['a signature by a key not in the JWKS', { otherKey: true }],
  ])('refuses an ID token with %s', async (_, tamper) => {
    oidc.tamper(tamper);
    try {
      await withPage(async (page) => {
        const callback = await oidcUpToCallback(page);
        const before = oidc.tokenResponses.length;
        await page.goto(callback.toString());
        // The provider answered 200: the refusal is the app's own check of the ID token.
        expect(oidc.tokenResponses.slice(before)).toEqual([200]);
        await expectRefused(page, VERIFY);
      });
    } finally {
      oidc.tamper(undefined);
    }
  });

  it('refuses a tampered state', async () => {
    await withPage(async (page) => {
      const callback = await oidcUpToCallback(page);
      callback.searchParams.set('state', `${callback.searchParams.get('state') ?? ''}x`);
      const before = oidc.tokenResponses.length;
      await page.goto(callback.toString());
      expect(oidc.tokenResponses.length).toBe(before); // the code was never even sent
      await expectRefused(page, 'This login was not started in this browser, or it has expired');
    });
  });

  it('refuses a callback in a browser that did not start the login', async () => {
    await withPage(async (page) => {
      const callback = await oidcUpToCallback(page);
      await withPage(async (other) => {
        await other.goto(callback.toString());
        await expectRefused(other, 'This login was not started in this browser');
      });
    });
  });

  it('refuses a replayed code (OpenID provider)', async () => {
    await withPage(async (page, context) => {
      const callback = await oidcUpToCallback(page);
      const cookies = await context.cookies();
      await page.goto(callback.toString());
      await page.waitForURL(`${notes.url}/`);
      expect(await page.locator('.who').count()).toBe(1);
      // An attacker with the callback URL and the pre-login cookie tries again.
      await withPage(async (attacker, attackerContext) => {
        await attackerContext.addCookies(cookies);
        await attacker.goto(callback.toString());
        expect(oidc.tokenResponses.at(-1)).toBe(400);
        await expectRefused(attacker, 'did not accept this login (invalid_grant)');
      });
    });
  });

  it('refuses a replayed code (X)', async () => {
    fakeX.signInAs({ id: '42', name: 'Replay', username: 'replay' });
    await withPage(async (page, context) => {
      const held = fakeX.holdNextCallback();
      await page.goto('/users/login');
      await page.click('#login-with-x');
      await page.click('#allow');
      const callback = await held;
      const cookies = await context.cookies();
      await page.goto(callback.toString());
      await page.waitForURL(`${notes.url}/`);
      expect(await page.locator('.who').textContent()).toBe('@replay');
      await withPage(async (attacker, attackerContext) => {
        await attackerContext.addCookies(cookies);
        await attacker.goto(callback.toString());
        expect(fakeX.requests.filter((r) => r.path === '/2/oauth2/token').at(-1)?.status).toBe(400);
        await expectRefused(attacker, 'did not accept this login (invalid_request)');
      });
    });
  });

  it('refuses an expired code (X)', async () => {
    fakeX.signInAs({ id: '45', name: 'Slow', username: 'slow' });
    await withPage(async (page) => {
      const held = fakeX.holdNextCallback();
      await page.goto('/users/login');
      await page.click('#login-with-x');
      await page.click('#allow');
      const callback = await held;
      fakeX.expireCodes();
      await page.goto(callback.toString());
      expect(fakeX.requests.filter((r) => r.path === '/2/oauth2/token').at(-1)?.status).toBe(400);
      await expectRefused(page, 'did not accept this login (invalid_request)');
    });
  });

  it('never redirects off the site after a login, whatever returnTo says', async () => {
    fakeX.signInAs({ id: '43', name: 'Redirected', username: 'redirected' });
    for (const returnTo of [
      'https://evil.example/',
      '//evil.example/x',
      '/\\evil.example',
      '/auth/x/start',
    ]) {
      await withPage(async (page) => {
        await page.goto(`/auth/x/start?returnTo=${encodeURIComponent(returnTo)}`);
        await page.click('#allow');
        await page.waitForURL((url) => url.pathname === '/');
        expect(new URL(page.url()).origin).toBe(notes.url);
        expect(await page.locator('.who').textContent()).toBe('@redirected');
      });
    }
    // A local returnTo is kept through the provider round trip.
    await withPage(async (page) => {
      await page.goto(`/users/login?returnTo=${encodeURIComponent('/notes/add')}`);
      await page.click('#login-with-x');
      await page.click('#allow');
      await page.waitForURL(`${notes.url}/notes/add`);
    });
  });

  it('answers 404 for a provider that is not configured', async () => {
    const res = await fetch(`${notes.url}/auth/nope/start`, { redirect: 'manual' });
    expect(res.status).toBe(404);
  });
});

describe('the fake of X', () => {
  it('refuses a wrong PKCE verifier, and the code afterwards, as X does', async () => {
    fakeX.signInAs({ id: '44', name: 'Pkce', username: 'pkce' });
    const redirectUri = `${notes.url}/auth/x/callback`;
    const verifier = 'v'.repeat(43);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: 'x-client',
      redirect_uri: redirectUri,
      scope: 'tweet.read users.read',
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      decision: 'allow',
    });
    const decided = await fetch(`${fakeX.url}/i/oauth2/authorize/decide`, {
      method: 'POST',
      body: params,
      redirect: 'manual',
    });
    const code = new URL(decided.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const token = (form: Record<string, string>, secret = X_SECRET) =>
      fetch(`${fakeX.url}/2/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`x-client:${secret}`).toString('base64')}` },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          redirect_uri: redirectUri,
          code,
          ...form,
        }),
      });
    const noClient = await token({ code_verifier: verifier }, 'wrong-secret');
    expect([noClient.status, await noClient.json()]).toEqual([
      401,
      { error: 'unauthorized_client', error_description: 'Missing valid authorization header' },
    ]);
    const wrong = await token({ code_verifier: 'w'.repeat(43) });
    expect([wrong.status, await wrong.json()]).toEqual([
      400,
      {
        error: 'invalid_request',
        error_description: 'Value passed for the authorization code was invalid.',
      },
    ]);
    // The code was spent by the failed attempt; the right verifier is too late now.
    expect((await token({ code_verifier: verifier })).status).toBe(400);
    const me = await fetch(`${fakeX.url}/2/users/me`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect([me.status, await me.json()]).toEqual([
      401,
      { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
    ]);
  });
});
