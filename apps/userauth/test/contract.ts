/**
 * The REST contract of issue 3 as one suite, run against SQLite in-process (unit project) and
 * against a real server process on a real MariaDB (integration project). A target supplies a
 * transport and raw access to the users table; every test uses its own usernames.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** One HTTP exchange, transport-neutral. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** What a concrete backend provides to the suite. */
export interface ContractTarget {
  apiUser: string;
  apiKey: string;
  send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<RawReply>;
  /** Every column of every row of `users`, as text, straight from the database. */
  rawUsersTable(): Promise<string>;
  /** The stored password_hash of one user (null when none), straight from the database. */
  storedHash(username: string): Promise<string | null>;
  /** Make later queries fail (drop the table) to check what a 5xx looks like. */
  breakDatabase(): Promise<void>;
  teardown(): Promise<void>;
}

interface Reply extends RawReply {
  body: unknown;
}

interface RequestOptions {
  json?: unknown;
  form?: string;
  /** null: no Authorization header; a string: that header instead of the right one. */
  auth?: string | null;
}

/** Users as the contract shapes them (for assertions). */
interface UserBody {
  id: string;
  username: string;
  provider: string;
  familyName: string;
  givenName: string;
  middleName: string;
  emails: string[];
  photos: string[];
}

/** Typed asymmetric matchers (vitest's return `any`). */
const anyString = expect.any(String) as unknown as string;
const containing = (text: string) => expect.stringContaining(text) as unknown as string;

const basic = (user: string, pass: string) =>
  `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** Register the whole contract suite under `name` against the target `setup` creates. */
export function defineContractTests(name: string, setup: () => Promise<ContractTarget>): void {
  describe(`userauth contract (${name})`, () => {
    let target: ContractTarget;
    let n = 0;
    // Unique per test and per run, so suites can share a database without colliding.
    const uname = (hint: string) => `${hint}${++n}-${randomBytes(3).toString('hex')}`;

    const call = async (
      method: string,
      path: string,
      opts: RequestOptions = {},
    ): Promise<Reply> => {
      const headers: Record<string, string> = {};
      if (opts.auth !== null)
        headers.authorization = opts.auth ?? basic(target.apiUser, target.apiKey);
      let body: string | undefined;
      if (opts.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = typeof opts.json === 'string' ? opts.json : JSON.stringify(opts.json);
      } else if (opts.form !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = opts.form;
      }
      const raw = await target.send(method, path, headers, body);
      let parsed: unknown;
      try {
        parsed = raw.text ? JSON.parse(raw.text) : undefined;
      } catch {
        parsed = raw.text;
      }
      return { ...raw, body: parsed };
    };
    const create = async (username: string, extra: Record<string, unknown> = {}) => {
      const res = await call('POST', '/create-user', {
        json: { username, password: 'pw-1', ...extra },
      });
      expect(res.status).toBe(201);
      return res.body as UserBody;
    };
    const check = (username: string, password: string) =>
      call('POST', '/passwordCheck', { json: { username, password } });

    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target.teardown();
    });

    describe('authentication', () => {
      it('answers 401 with WWW-Authenticate and a JSON error without credentials', async () => {
        const res = await call('GET', '/list', { auth: null });
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm=/);
        expect(res.body).toEqual({ error: anyString });
      });

      it.each([
        ['a wrong key', () => basic(target.apiUser, `${target.apiKey}x`)],
        ['a wrong user', () => basic('someone', target.apiKey)],
        ['a key prefix', () => basic(target.apiUser, target.apiKey.slice(0, 4))],
        ['another scheme', () => `Bearer ${target.apiKey}`],
        ['garbage', () => 'Basic !!!'],
      ])('answers 401 for %s', async (_, header) => {
        const res = await call('POST', '/create-user', {
          auth: header(),
          json: { username: uname('x'), password: 'p' },
        });
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Basic/);
        expect(res.body).toEqual({ error: anyString });
      });

      it('serves /health without credentials', async () => {
        const res = await call('GET', '/health', { auth: null });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: 'ok' });
      });

      it('answers unknown routes with 401 before and a JSON 404 after authentication', async () => {
        expect((await call('GET', '/nope', { auth: null })).status).toBe(401);
        const res = await call('GET', '/nope');
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ error: 'not found' });
      });
    });

    describe('POST /create-user', () => {
      it('keeps any Unicode in names and lists (emoji, zero-width, right-to-left)', async () => {
        // Found by the issue 7 fuzz run: a latin1 table answered 500 for these on MariaDB.
        const username = uname('uni');
        const fields = {
          givenName: 'Zoë 😀 zero\u200bwidth',
          familyName: '\u202eright-to-left 𝕳𝖊𝖑𝖑𝖔',
          middleName: '👩‍👩‍👧‍👦',
          emails: ['ü@example.test'],
          photos: ['https://example.test/٪.png'],
        };
        const created = await create(username, fields);
        expect(created).toMatchObject(fields);
        expect((await call('GET', `/find/${username}`)).body).toMatchObject(fields);
      });

      it('creates a user and returns it without any password field', async () => {
        const username = uname('Alice');
        const res = await call('POST', '/create-user', {
          json: {
            username,
            password: 'secret-1',
            provider: 'local',
            familyName: 'Liddell',
            givenName: 'Alice',
            middleName: 'P',
            emails: ['alice@example.test'],
            photos: ['https://example.test/a.png'],
            extraField: 'ignored',
          },
        });
        expect(res.status).toBe(201);
        expect(res.body).toEqual({
          id: username,
          username,
          provider: 'local',
          familyName: 'Liddell',
          givenName: 'Alice',
          middleName: 'P',
          emails: ['alice@example.test'],
          photos: ['https://example.test/a.png'],
        });
        expect((await call('GET', `/find/${username}`)).body).toEqual(res.body);
      });

      it('accepts form-encoded bodies, single and repeated list fields', async () => {
        const one = uname('form');
        const res = await call('POST', '/create-user', {
          form: `username=${one}&password=p%26w&emails=a%40x.test`,
        });
        expect(res.status).toBe(201);
        expect((res.body as UserBody).emails).toEqual(['a@x.test']);
        expect((await check(one, 'p&w')).body).toMatchObject({ check: true });
        const two = uname('form');
        const res2 = await call('POST', '/create-user', {
          form: `username=${two}&password=x&emails=a@x&emails=b@x`,
        });
        expect((res2.body as UserBody).emails).toEqual(['a@x', 'b@x']);
      });

      it('answers 409 when the username is taken, in any letter case', async () => {
        const username = uname('Taken');
        await create(username);
        for (const again of [username, username.toUpperCase(), username.toLowerCase()]) {
          const res = await call('POST', '/create-user', {
            json: { username: again, password: 'other' },
          });
          expect(res.status).toBe(409);
          expect(res.body).toEqual({ error: containing('taken') });
        }
      });

      it.each([
        ['no username', { password: 'p' }, 'username: is required'],
        ['no password', { username: 'nopw' }, 'password: is required'],
        ['an empty password', { username: 'nopw', password: '' }, 'password: is required'],
        [
          'a username of 65 characters',
          { username: 'a'.repeat(65), password: 'p' },
          'username: must be at most 64',
        ],
        [
          'a password of 1025 characters',
          { username: 'longpw', password: 'p'.repeat(1025) },
          'password: must be at most 1024',
        ],
        [
          'a space in the username',
          { username: 'a b', password: 'p' },
          'username: may contain only',
        ],
        [
          'a slash in the username',
          { username: 'a/b', password: 'p' },
          'username: may contain only',
        ],
        [
          'a non-ASCII username',
          { username: 'jürgen', password: 'p' },
          'username: may contain only',
        ],
        ['a leading dot', { username: '.hidden', password: 'p' }, 'username: may contain only'],
        ['a numeric username', { username: 42, password: 'p' }, 'username: must be a string'],
        [
          'emails as a string',
          { username: 'e1', password: 'p', emails: 'a@x' },
          'emails: must be an array',
        ],
        [
          'emails with a number',
          { username: 'e2', password: 'p', emails: [1] },
          'emails.0: must be a string',
        ],
        [
          'photos as an object',
          { username: 'e3', password: 'p', photos: { a: 1 } },
          'photos: must be an array',
        ],
        [
          'a long family name',
          { username: 'e4', password: 'p', familyName: 'x'.repeat(256) },
          'familyName: must be at most 255',
        ],
      ])('answers 400 for %s', async (_, json, message) => {
        const res = await call('POST', '/create-user', { json });
        expect(res.status).toBe(400);
        expect((res.body as { error: string }).error).toContain(message);
      });

      it('answers 400 for bodies that are not objects or not JSON, and 413 for huge ones', async () => {
        expect((await call('POST', '/create-user', { json: '[1,2]' })).status).toBe(400);
        const bad = await call('POST', '/create-user', {
          json: '{"username": "x", "password": "sec',
        });
        expect(bad.status).toBe(400);
        expect(bad.text).not.toContain('sec');
        const huge = await call('POST', '/create-user', {
          json: { username: 'big', password: 'x'.repeat(100_000) },
        });
        expect(huge.status).toBe(413);
        expect(huge.body).toEqual({ error: anyString });
        const none = await call('POST', '/create-user', {});
        expect(none.status).toBe(400);
      });

      it('lets exactly one of many parallel creations of the same username win', async () => {
        const username = uname('race');
        const replies = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            call('POST', '/create-user', {
              json: { username: i % 2 ? username : username.toUpperCase(), password: `pw${i}` },
            }),
          ),
        );
        const statuses = replies.map((r) => r.status);
        expect(statuses.filter((s) => s >= 200 && s < 300)).toHaveLength(1);
        expect(statuses.filter((s) => s === 409)).toHaveLength(15);
        const rows =
          (await target.rawUsersTable()).toLowerCase().split(username.toLowerCase()).length - 1;
        expect(rows).toBe(2); // username + username_key of the single row
      });
    });

    describe('POST /update-user/:username', () => {
      it('updates the given fields and re-hashes a new password', async () => {
        const username = uname('upd');
        await create(username, { givenName: 'Old', emails: ['old@x'] });
        const before = await target.storedHash(username);
        const res = await call('POST', `/update-user/${username}`, {
          json: { givenName: 'New', emails: ['new@x', 'two@x'], password: 'pw-2' },
        });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          username,
          givenName: 'New',
          emails: ['new@x', 'two@x'],
          photos: [],
        });
        expect(res.body).not.toHaveProperty('password');
        const after = await target.storedHash(username);
        expect(after).not.toBe(before);
        expect((await check(username, 'pw-1')).body).toMatchObject({ check: false });
        expect((await check(username, 'pw-2')).body).toMatchObject({ check: true });
      });

      it('accepts a form body and keeps fields that were not sent', async () => {
        const username = uname('updform');
        await create(username, { familyName: 'Keep', emails: ['k@x'] });
        const res = await call('POST', `/update-user/${username}`, { form: 'givenName=Formed' });
        expect(res.body).toMatchObject({
          givenName: 'Formed',
          familyName: 'Keep',
          emails: ['k@x'],
        });
      });

      it('answers 404 for an unknown user and 400 for invalid fields', async () => {
        const missing = await call('POST', `/update-user/${uname('ghost')}`, {
          json: { givenName: 'x' },
        });
        expect(missing.status).toBe(404);
        expect(missing.body).toEqual({ error: 'user not found' });
        const username = uname('upd400');
        await create(username);
        for (const json of [
          { emails: 'x' },
          { password: '' },
          { givenName: 5 },
          { username: 'someone-else' },
        ]) {
          const res = await call('POST', `/update-user/${username}`, { json });
          expect(res.status).toBe(400);
          expect(res.body).toEqual({ error: anyString });
        }
      });
    });

    describe('POST /find-or-create', () => {
      it('creates a missing user and returns an existing one unchanged', async () => {
        const username = uname('foc');
        const first = await call('POST', '/find-or-create', {
          json: { username, password: 'pw', givenName: 'First', provider: 'twitter' },
        });
        expect(first.status).toBe(200);
        // A provider account is stored provider-qualified (issue 22; contract-providers.ts).
        expect(first.body).toMatchObject({
          id: `twitter:${username}`,
          username: `twitter:${username}`,
          givenName: 'First',
          provider: 'twitter',
        });
        const second = await call('POST', '/find-or-create', {
          json: { username: username.toUpperCase(), provider: 'twitter', givenName: 'Second' },
        });
        expect(second.status).toBe(200);
        expect(second.body).toEqual(first.body);
      });

      it('creates accounts without a password that never pass a check', async () => {
        const username = uname('oauth');
        expect((await call('POST', '/find-or-create', { json: { username } })).status).toBe(200);
        expect(await target.storedHash(username)).toBeNull();
        expect((await check(username, '')).body).toMatchObject({ check: false });
        expect((await check(username, 'anything')).body).toMatchObject({ check: false });
      });

      it('answers 400 without a username', async () => {
        const res = await call('POST', '/find-or-create', { json: { givenName: 'x' } });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ error: 'username: is required' });
      });

      it('returns the same user to many parallel callers', async () => {
        const username = uname('focrace');
        const replies = await Promise.all(
          Array.from({ length: 8 }, () => call('POST', '/find-or-create', { json: { username } })),
        );
        expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
        expect(new Set(replies.map((r) => JSON.stringify(r.body))).size).toBe(1);
      });
    });

    describe('GET /find/:username and GET /list', () => {
      it('finds case-insensitively and keeps the stored spelling', async () => {
        const username = uname('CamelCase');
        await create(username);
        const res = await call('GET', `/find/${username.toLowerCase()}`);
        expect(res.status).toBe(200);
        expect((res.body as UserBody).username).toBe(username);
      });

      it('answers 404 for unknown and impossible names', async () => {
        for (const name of [uname('nobody'), 'bad%20name', 'x'.repeat(200)]) {
          const res = await call('GET', `/find/${name}`);
          expect(res.status).toBe(404);
          expect(res.body).toEqual({ error: 'user not found' });
        }
      });

      it('lists users as an array in contract shape', async () => {
        const a = uname('lista');
        const b = uname('listb');
        await create(a, { emails: ['a@x'] });
        await create(b);
        const res = await call('GET', '/list');
        expect(res.status).toBe(200);
        const list = res.body as UserBody[];
        expect(Array.isArray(list)).toBe(true);
        expect(list.find((u) => u.username === a)).toMatchObject({
          id: a,
          emails: ['a@x'],
          photos: [],
        });
        expect(list.find((u) => u.username === b)).toBeDefined();
        for (const u of list)
          expect(Object.keys(u).sort()).toEqual([
            'emails',
            'familyName',
            'givenName',
            'id',
            'middleName',
            'photos',
            'provider',
            'username',
          ]);
      });
    });

    describe('DELETE /destroy/:username', () => {
      it('deletes a user, then answers 404', async () => {
        const username = uname('del');
        await create(username);
        const res = await call('DELETE', `/destroy/${username.toUpperCase()}`);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({});
        expect((await call('GET', `/find/${username}`)).status).toBe(404);
        const again = await call('DELETE', `/destroy/${username}`);
        expect(again.status).toBe(404);
        expect(again.body).toEqual({ error: 'user not found' });
      });
    });

    describe('POST /passwordCheck', () => {
      it('says check:true for the right password, on both paths', async () => {
        const username = uname('chk');
        await create(username);
        expect((await check(username, 'pw-1')).body).toEqual({ check: true, username });
        const alias = await call('POST', '/password-check', {
          form: `username=${username}&password=pw-1`,
        });
        expect(alias.body).toEqual({ check: true, username });
      });

      it('gives the same reply for a wrong password and an unknown user', async () => {
        const username = uname('chk');
        await create(username);
        const ghost = uname('ghost');
        const wrong = await check(username, 'nope');
        const unknown = await check(ghost, 'nope');
        expect(wrong.status).toBe(200);
        expect(unknown.status).toBe(200);
        expect(wrong.body).toEqual({ check: false, username, message: anyString });
        expect(unknown.body).toEqual({ ...(wrong.body as object), username: ghost });
        const impossible = await check('no such/user', 'nope');
        expect(impossible.body).toEqual({ ...(wrong.body as object), username: 'no such/user' });
      });

      it('answers 400 when fields are missing or not strings', async () => {
        for (const json of [{ username: 'x' }, { password: 'x' }, { username: 'x', password: 5 }]) {
          const res = await call('POST', '/passwordCheck', { json });
          expect(res.status).toBe(400);
          expect(res.body).toEqual({ error: anyString });
        }
      });
    });

    describe('storage', () => {
      it('never stores a password in plain text', async () => {
        const username = uname('plain');
        const first = `first-${randomBytes(8).toString('hex')}`;
        const second = `second-${randomBytes(8).toString('hex')}`;
        await create(username, { password: first });
        await call('POST', `/update-user/${username}`, { json: { password: second } });
        await check(username, second);
        const table = await target.rawUsersTable();
        expect(table).toContain(username);
        expect(table).not.toContain(first);
        expect(table).not.toContain(second);
        expect(await target.storedHash(username)).toMatch(
          /^\$scrypt\$ln=\d+,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
        );
      });
    });

    // Last: it breaks the database for this target.
    describe('server errors', () => {
      it('answers 5xx with a generic JSON error, without SQL or stack traces', async () => {
        await target.breakDatabase();
        const res = await call('GET', `/find/${uname('any')}`);
        expect(res.status).toBe(500);
        expect(res.body).toEqual({ error: 'internal server error' });
        expect(res.text).not.toMatch(/select|users|sqlite|mysql|at .*\(/i);
      });
    });
  });
}
