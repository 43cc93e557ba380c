/**
 * A MariaDB outage: /health turns 503 and pages fail with a page that leaks nothing; when the
 * server is back, the pool reconnects, /health is 200 again and live updates resume.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDb } from '../../../../test/bed/mariadb.ts';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';
import { startTestNotes, type TestNotes } from '../helpers/notes-app.ts';
import { openSse } from '../helpers/sse.ts';

async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('notes during a database outage', () => {
  let mariadb: MariaDb;
  let userauth: Userauth;
  let app: TestNotes;

  beforeAll(async () => {
    [mariadb, userauth] = await Promise.all([startMariaDb(), startUserauth()]);
    const { url } = await mariadb.createDatabase(`notes_${randomBytes(4).toString('hex')}`);
    app = await startTestNotes({
      databaseUrl: url,
      userauthUrl: userauth.url,
      userauthKey: userauth.apiKey,
    });
  });

  afterAll(async () => {
    await app.stop();
    await Promise.all([userauth.stop(), mariadb.stop()]);
  });

  it('reports 503, shows a clean error page, and recovers by itself', async () => {
    const status = (path: string): Promise<number> =>
      fetch(`${app.url}${path}`).then((r) => r.status);
    expect(await status('/health')).toBe(200);
    await mariadb.stopServer();
    try {
      await until('health 503', async () => (await status('/health')) === 503);
      const page = await fetch(`${app.url}/`);
      expect(page.status).toBe(500);
      const text = await page.text();
      expect(text).toContain('Something went wrong on our side.');
      expect(text).not.toMatch(/ECONNREFUSED|connect|SequelizeConnection|127\.0\.0\.1/);
    } finally {
      await mariadb.startServer();
    }
    await until('health 200', async () => (await status('/health')) === 200);
    expect(await status('/')).toBe(200);
    const stream = await openSse(`${app.url}/notes/events`);
    try {
      await app.notes.store.createNote({
        key: 'after-outage',
        title: 'Back',
        body: '',
        author: 'u',
        authorName: 'U',
      });
      await stream.waitFor((e) => (e.data as { key?: string }).key === 'after-outage');
    } finally {
      stream.close();
    }
  });
});
