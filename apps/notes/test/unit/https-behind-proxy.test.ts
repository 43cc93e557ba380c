/**
 * Served over HTTPS by a proxy in front (PUBLIC_URL https://…, TLS ending at the edge proxy,
 * issue 19): the app itself sees plain HTTP, and must still set its session cookie, `Secure`.
 * Before, every page that started a session answered 500 ("Cannot send secure cookie over
 * unencrypted connection"), found by test/integration/edge-proxy-browser.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';
import { Client } from '../helpers/client.ts';
import { startTestNotes, tempSqlite, type TestNotes } from '../helpers/notes-app.ts';

describe('behind a proxy that serves HTTPS', () => {
  let userauth: Userauth;
  let app: TestNotes;
  let removeDb: () => Promise<void>;

  beforeAll(async () => {
    const db = await tempSqlite();
    removeDb = () => db.remove();
    userauth = await startUserauth();
    await userauth.createUser({ username: 'hal', password: 'hal-password-1', givenName: 'Hal' });
    app = await startTestNotes({
      databaseUrl: db.url,
      userauthUrl: userauth.url,
      userauthKey: userauth.apiKey,
      env: { PUBLIC_URL: 'https://notes.example' },
    });
  });
  afterAll(async () => {
    await (app as TestNotes | undefined)?.stop();
    await (userauth as Userauth | undefined)?.stop();
    await removeDb();
  });

  it('sets Secure session cookies over the plain HTTP it receives, and logs in', async () => {
    const client = new Client(app.url);
    const form = await client.get('/users/login');
    expect(form.status).toBe(200);
    const started = form.headers.getSetCookie().find((c) => c.startsWith('notes.sid='));
    expect(started).toMatch(/; secure/i);
    const login = await client.post('/users/login', {
      username: 'hal',
      password: 'hal-password-1',
    });
    expect(login.status).toBe(302);
    expect(login.headers.getSetCookie().join('\n')).toMatch(/notes\.sid=[^;]+;.*secure/i);
    expect((await client.get('/')).text).toContain('<span class="who">Hal</span>');
  });
});
