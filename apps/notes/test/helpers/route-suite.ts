/**
 * Route tests for every row of the table in issue 4, shared by the SQLite (unit) and MariaDB
 * (integration) projects. Login paths go through a real userauth process (test/bed/userauth.ts).
 * The tests themselves live in route-tests-{pages,security,live}.ts.
 */
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startUserauth, type Userauth } from '../../../../test/bed/userauth.ts';
import { Client } from './client.ts';
import { startTestNotes, type TestNotes } from './notes-app.ts';
import { liveTests } from './route-tests-live.ts';
import { pageTests } from './route-tests-pages.ts';
import { securityTests } from './route-tests-security.ts';

/** A database for one suite run. */
export interface SuiteDatabase {
  url: string;
  cleanup(): Promise<void>;
}

/** A userauth account of the suite. */
export interface TestUser {
  username: string;
  password: string;
}

/** What the test groups share: the running app and a few helpers. */
export interface SuiteContext {
  app(): TestNotes;
  alice: TestUser;
  bob: TestUser;
  /** A client logged in through the real login form. */
  loggedIn(user?: TestUser): Promise<Client>;
  /** Create a note through the form (expects 302). */
  createNote(client: Client, key: string, title: string, body?: string): Promise<void>;
  /** A note key no other test uses. */
  uniqueKey(prefix: string): string;
  /** `SELECT COUNT(*) AS n …` against the app's database. */
  count(sql: string, replacements: Record<string, unknown>): Promise<number>;
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
    let userauth: Userauth | undefined;
    let db: SuiteDatabase | undefined;
    let app: TestNotes | undefined;
    let seq = 0;

    const running = (): TestNotes => {
      if (!app) throw new Error('the app did not start');
      return app;
    };

    const ctx: SuiteContext = {
      app: running,
      alice: ALICE,
      bob: BOB,
      async loggedIn(user = ALICE) {
        const client = new Client(running().url);
        const page = await client.login(user.username, user.password);
        expect(page.status).toBe(302);
        return client;
      },
      async createNote(client, key, title, body = 'Body text') {
        await client.get('/notes/add');
        const page = await client.post('/notes/save', {
          docreate: 'create',
          notekey: key,
          title,
          body,
        });
        expect(page.status, page.text).toBe(302);
      },
      uniqueKey: (prefix) => `${prefix}-${++seq}-${Date.now().toString(36)}`,
      async count(sql, replacements) {
        const rows = await running().notes.sequelize.query<{ n: number | string }>(sql, {
          replacements,
          type: QueryTypes.SELECT,
          logging: false,
        });
        return Number(rows[0]?.n ?? 0);
      },
    };

    beforeAll(async () => {
      const [started, database] = await Promise.all([startUserauth(), makeDatabase()]);
      userauth = started;
      db = database;
      await started.createUser(ALICE);
      await started.createUser(BOB);
      app = await startTestNotes({
        databaseUrl: database.url,
        userauthUrl: started.url,
        userauthKey: started.apiKey,
      });
    });

    afterAll(async () => {
      await app?.stop();
      await Promise.all([userauth?.stop(), db?.cleanup()]);
    });

    pageTests(ctx);
    securityTests(ctx);
    liveTests(ctx);
  });
}
