/**
 * Sessions: the user is cached in the signed cookie (no userauth call per request), sessions
 * survive a restart, and /health reports a missing userauth.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startUserauth } from '../../../../test/bed/userauth.ts';
import { Client } from '../helpers/client.ts';
import { startTestNotes, tempSqlite } from '../helpers/notes-app.ts';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup() {
  const [db, userauth] = await Promise.all([tempSqlite(), startUserauth()]);
  cleanups.push(
    () => db.remove(),
    () => userauth.stop(),
  );
  await userauth.createUser({ username: 'dora', password: 'dora-password-1', givenName: 'Dora' });
  const options = { databaseUrl: db.url, userauthUrl: userauth.url, userauthKey: userauth.apiKey };
  const app = await startTestNotes(options);
  cleanups.push(() => app.stop());
  return { db, userauth, app, options };
}

describe('sessions', () => {
  it('keep the user without asking userauth again (it can be down)', async () => {
    const { userauth, app } = await setup();
    const client = new Client(app.url);
    expect((await client.login('dora', 'dora-password-1')).status).toBe(302);
    await userauth.stop();
    const page = await client.get('/');
    expect(page.text).toContain('Log out <span class="who">Dora</span>');
    expect((await client.get('/notes/add')).status).toBe(200);
    const health = await client.get('/health');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.text)).toEqual({
      status: 'unavailable',
      database: true,
      userauth: false,
    });
  });

  it('survive a restart of the app (signed cookie, same SESSION_SECRET)', async () => {
    const { app, options } = await setup();
    const client = new Client(app.url);
    await client.login('dora', 'dora-password-1');
    await app.stop();
    const again = await startTestNotes(options);
    cleanups.push(() => again.stop());
    const moved = new Client(again.url);
    for (const [k, v] of client.cookies) moved.cookies.set(k, v);
    expect((await moved.get('/notes/add')).status).toBe(200);
  });

  it('refuse a tampered cookie', async () => {
    const { app } = await setup();
    const client = new Client(app.url);
    await client.login('dora', 'dora-password-1');
    const value = client.cookies.get('notes.sid') ?? '';
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(value, 'base64').toString()),
        user: { username: 'admin', displayName: 'Admin' },
      }),
    ).toString('base64');
    client.cookies.set('notes.sid', forged);
    const page = await client.get('/notes/add');
    expect(page.status).toBe(302);
  });

  it('show a login error (503) when userauth does not answer', async () => {
    const { app, userauth } = await setup();
    await userauth.stop();
    const page = await new Client(app.url).login('dora', 'dora-password-1');
    expect(page.status).toBe(503);
    expect(page.text).toContain('The login service is not answering');
  });
});
