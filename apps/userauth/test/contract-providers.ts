/**
 * Provider accounts (issue 22) as one suite, run against SQLite in-process (unit) and the real
 * process on MariaDB (integration): Passport-shaped emails/photos, the identity rule (a
 * provider account never captures a local one or another provider's, in either order of
 * creation), `_`-first handles, old clients' `/find/<handle>`, and provider accounts' passwords.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractTarget } from './contract.ts';

interface Reply {
  status: number;
  body: unknown;
}

/** Users as the contract shapes them. */
interface UserBody {
  id: string;
  username: string;
  provider: string;
  givenName: string;
  familyName: string;
  emails: string[];
  photos: string[];
}

/**
 * The body the old Notes app's Twitter login sends to `POST /find-or-create`: its mapping of
 * passport-twitter's profile (`id` and `username` the screen name, `password: ""`,
 * `familyName` the display name, Passport's `photos: [{value}]`; no `emails` unless the app
 * asked X for them, so JSON.stringify drops the undefined field).
 */
export function oldTwitterClientBody(handle: string): Record<string, unknown> {
  const profile = {
    provider: 'twitter',
    id: '1234567890',
    username: handle,
    displayName: 'Jack Example',
    photos: [{ value: 'https://pbs.twimg.com/profile_images/1/jack_normal.jpg' }],
    emails: undefined,
  };
  return {
    id: profile.username,
    username: profile.username,
    password: '',
    provider: profile.provider,
    familyName: profile.displayName,
    givenName: '',
    middleName: '',
    photos: profile.photos,
    emails: profile.emails,
  };
}

/** Register the provider-account suite under `name` against the target `setup` creates. */
export function defineProviderContractTests(
  name: string,
  setup: () => Promise<ContractTarget>,
): void {
  describe(`userauth provider accounts (${name})`, () => {
    let target: ContractTarget;
    let n = 0;
    const handle = (hint: string) => `${hint}${++n}${randomBytes(3).toString('hex')}`;

    const call = async (method: string, path: string, json?: unknown): Promise<Reply> => {
      const auth = Buffer.from(`${target.apiUser}:${target.apiKey}`).toString('base64');
      const headers: Record<string, string> = { authorization: `Basic ${auth}` };
      if (json !== undefined) headers['content-type'] = 'application/json';
      const raw = await target.send(
        method,
        path,
        headers,
        json === undefined ? undefined : JSON.stringify(json),
      );
      return { status: raw.status, body: raw.text ? (JSON.parse(raw.text) as unknown) : undefined };
    };
    const find = (username: string) => call('GET', `/find/${encodeURIComponent(username)}`);
    const check = (username: string, password: string) =>
      call('POST', '/passwordCheck', { username, password });
    const errorOf = (reply: Reply) => (reply.body as { error: string }).error;

    beforeAll(async () => {
      target = await setup();
    });
    afterAll(async () => {
      await target.teardown();
    });

    describe("the old Twitter login's body", () => {
      it('is accepted with photos as {value} objects and found again by its handle', async () => {
        const h = `_${handle('jack')}`;
        const res = await call('POST', '/find-or-create', oldTwitterClientBody(h));
        expect(res.status).toBe(200);
        const expected = {
          id: `twitter:${h}`,
          username: `twitter:${h}`,
          provider: 'twitter',
          familyName: 'Jack Example',
          givenName: '',
          middleName: '',
          emails: [],
          photos: ['https://pbs.twimg.com/profile_images/1/jack_normal.jpg'],
        };
        expect(res.body).toEqual(expected);
        // Old clients keep the handle (or the returned name) and look the user up with it.
        expect(await find(h)).toEqual({ status: 200, body: expected });
        expect(await find(`twitter:${h}`)).toEqual({ status: 200, body: expected });
        // The next login returns the same account unchanged, and no password was stored.
        const again = await call('POST', '/find-or-create', {
          ...oldTwitterClientBody(h),
          familyName: 'Renamed',
        });
        expect(again).toEqual({ status: 200, body: expected });
        expect(await target.storedHash(`twitter:${h}`)).toBeNull();
      });

      it("stores today's string lists and Passport's {value, type} objects the same way", async () => {
        const a = handle('lists');
        const created = await call('POST', '/create-user', {
          username: a,
          password: 'pw-1',
          emails: [{ value: 'a@example.test', type: 'work' }, 'b@example.test'],
          photos: [{ value: 'https://example.test/a.png' }],
        });
        expect(created.status).toBe(201);
        expect(created.body).toMatchObject({
          emails: ['a@example.test', 'b@example.test'],
          photos: ['https://example.test/a.png'],
        });
        const updated = await call('POST', `/update-user/${a}`, {
          emails: [{ value: 'c@example.test', type: 'home', primary: true }],
        });
        expect(updated.status).toBe(200);
        expect((updated.body as UserBody).emails).toEqual(['c@example.test']);
        expect(((await find(a)).body as UserBody).emails).toEqual(['c@example.test']);
        const table = await target.rawUsersTable();
        expect(table).toContain('c@example.test');
        expect(table).not.toContain('"value"');
        expect(table).not.toContain('home');
      });

      it.each([
        [
          'a {value} that is not a string',
          { photos: [{ value: 5 }] },
          'photos.0: must be a string or an object',
        ],
        [
          'an object without value',
          { emails: [{ type: 'work' }] },
          'emails.0: must be a string or an object',
        ],
        [
          'a list entry that is a number',
          { emails: [7] },
          'emails.0: must be a string or an object',
        ],
        ['a value too long', { emails: [{ value: 'x'.repeat(321) }] }, 'emails.0'],
      ])('answers 400 for %s', async (_, fields, message) => {
        const res = await call('POST', '/find-or-create', {
          username: handle('bad'),
          provider: 'twitter',
          ...fields,
        });
        expect(res.status).toBe(400);
        expect(errorOf(res)).toContain(message);
      });
    });

    describe('the identity rule', () => {
      it('a provider account named like an existing local user gets its own account', async () => {
        const name = handle('alice');
        await call('POST', '/create-user', {
          username: name,
          password: 'local-pw',
          givenName: 'Local',
        });
        const res = await call('POST', '/find-or-create', {
          username: name,
          provider: 'twitter',
          givenName: 'Intruder',
          photos: [{ value: 'https://example.test/x.png' }],
        });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ username: `twitter:${name}`, givenName: 'Intruder' });
        // The local account is unchanged and still the one its name finds and logs in.
        const local = (await find(name)).body as UserBody;
        expect(local).toMatchObject({
          username: name,
          provider: 'local',
          givenName: 'Local',
          photos: [],
        });
        expect((await check(name, 'local-pw')).body).toEqual({ check: true, username: name });
        // Another provider with the same handle gets a third account.
        const other = await call('POST', '/find-or-create', { username: name, provider: 'github' });
        expect(other.body).toMatchObject({ username: `github:${name}`, provider: 'github' });
        const mine = ((await call('GET', '/list')).body as UserBody[]).filter((u) =>
          u.username.toLowerCase().endsWith(name.toLowerCase()),
        );
        expect(mine.map((u) => u.username).sort()).toEqual(
          [`github:${name}`, name, `twitter:${name}`].sort(),
        );
      });

      it('a local user created after a provider account of that name gets a new account', async () => {
        const name = handle('bob');
        const provider = await call('POST', '/find-or-create', {
          username: name,
          provider: 'twitter',
          givenName: 'Tweeter',
        });
        expect(provider.status).toBe(200);
        expect(await find(name)).toMatchObject({
          status: 200,
          body: { username: `twitter:${name}` },
        });
        const local = await call('POST', '/create-user', {
          username: name.toUpperCase(),
          password: 'local-pw',
          givenName: 'Local',
        });
        expect(local.status).toBe(201);
        expect(local.body).toMatchObject({ username: name.toUpperCase(), provider: 'local' });
        // From now on the bare name is the local account's; the provider account keeps its own.
        expect((await find(name)).body).toMatchObject({
          username: name.toUpperCase(),
          givenName: 'Local',
        });
        expect((await find(`twitter:${name}`)).body).toMatchObject({ givenName: 'Tweeter' });
        // A local find-or-create of that name returns the local account, not the provider's.
        const localAgain = await call('POST', '/find-or-create', { username: name });
        expect(localAgain.body).toMatchObject({ username: name.toUpperCase(), givenName: 'Local' });
      });

      it('accepts a qualified name for its own provider only, and never for a local account', async () => {
        const h = handle('q');
        const first = await call('POST', '/find-or-create', { username: h, provider: 'twitter' });
        const qualified = await call('POST', '/find-or-create', {
          username: `Twitter:${h}`,
          provider: 'TWITTER',
        });
        expect(qualified).toEqual(first);
        const other = await call('POST', '/find-or-create', {
          username: `twitter:${h}`,
          provider: 'github',
        });
        expect(other.status).toBe(400);
        expect(errorOf(other)).toContain('username: is qualified with another provider');
        const local = await call('POST', '/find-or-create', { username: `twitter:${h}` });
        expect(local.status).toBe(400);
        expect(errorOf(local)).toContain('username: may contain only');
        const badProvider = await call('POST', '/find-or-create', { username: h, provider: 'x y' });
        expect(badProvider.status).toBe(400);
        expect(errorOf(badProvider)).toContain('provider: may contain only');
      });

      it('accepts `_`-first handles for provider accounts and refuses them for local ones', async () => {
        const h = `_${handle('under')}`;
        const provider = await call('POST', '/find-or-create', { username: h, provider: 'x' });
        expect(provider).toMatchObject({ status: 200, body: { username: `x:${h}` } });
        const local = await call('POST', '/create-user', { username: h, password: 'pw' });
        expect(local.status).toBe(400);
        expect(errorOf(local)).toContain('username: may contain only');
        const localFoc = await call('POST', '/find-or-create', { username: h });
        expect(localFoc.status).toBe(400);
      });

      it('finds a bare handle only when exactly one provider account has it', async () => {
        const h = `_${handle('amb')}`;
        await call('POST', '/find-or-create', { username: h, provider: 'twitter' });
        expect((await find(h)).status).toBe(200);
        await call('POST', '/find-or-create', { username: h, provider: 'github' });
        expect(await find(h)).toEqual({ status: 404, body: { error: 'user not found' } });
        expect((await find(`github:${h}`)).status).toBe(200);
      });

      it('update-user and destroy name a provider account by its qualified name only', async () => {
        const h = handle('upd');
        await call('POST', '/find-or-create', { username: h, provider: 'twitter' });
        expect((await call('POST', `/update-user/${h}`, { givenName: 'x' })).status).toBe(404);
        const upd = await call('POST', `/update-user/twitter:${h}`, {
          givenName: 'Named',
          username: h,
        });
        expect(upd).toMatchObject({ status: 200, body: { givenName: 'Named' } });
        const move = await call('POST', `/update-user/twitter:${h}`, { provider: 'local' });
        expect(move.status).toBe(400);
        expect(errorOf(move)).toContain('provider: cannot be changed');
        expect((await call('DELETE', `/destroy/${h}`)).status).toBe(404);
        expect((await call('DELETE', `/destroy/twitter:${h}`)).status).toBe(200);
        expect((await find(`twitter:${h}`)).status).toBe(404);
      });
    });

    describe('passwords of provider accounts', () => {
      it('fail a check exactly like a wrong password, even with the password sent at creation', async () => {
        const h = `_${handle('nopw')}`;
        await call('POST', '/find-or-create', {
          username: h,
          provider: 'twitter',
          password: 'sent-pw',
        });
        expect(await target.storedHash(`twitter:${h}`)).toBeNull();
        const local = handle('realpw');
        await call('POST', '/create-user', { username: local, password: 'right-pw' });
        const wrong = await check(local, 'wrong-pw');
        for (const [username, password] of [
          [`twitter:${h}`, 'sent-pw'],
          [`twitter:${h}`, ''],
          [h, 'sent-pw'],
        ] as const) {
          const res = await check(username, password);
          expect(res).toEqual({ status: 200, body: { ...(wrong.body as object), username } });
        }
      });

      it('cannot get a local password through update-user unless asked explicitly', async () => {
        const h = handle('setpw');
        const qualified = `twitter:${h}`;
        await call('POST', '/find-or-create', { username: h, provider: 'twitter' });
        const refused = await call('POST', `/update-user/${qualified}`, { password: 'new-pw-1' });
        expect(refused.status).toBe(400);
        expect(errorOf(refused)).toContain('allowLocalPassword');
        expect(await target.storedHash(qualified)).toBeNull();
        expect((await check(qualified, 'new-pw-1')).body).toMatchObject({ check: false });
        const allowed = await call('POST', `/update-user/${qualified}`, {
          password: 'new-pw-1',
          allowLocalPassword: true,
        });
        expect(allowed.status).toBe(200);
        expect((await check(qualified, 'new-pw-1')).body).toEqual({
          check: true,
          username: qualified,
        });
        // The bare handle still never logs in to it.
        expect((await check(h, 'new-pw-1')).body).toMatchObject({ check: false });
      });

      it('create-user makes a provider account without a password, and with one only when asked', async () => {
        const h = handle('cpw');
        const none = await call('POST', '/create-user', { username: h, provider: 'twitter' });
        expect(none).toMatchObject({ status: 201, body: { username: `twitter:${h}` } });
        expect(await target.storedHash(`twitter:${h}`)).toBeNull();
        const refused = await call('POST', '/create-user', {
          username: h,
          provider: 'github',
          password: 'pw',
        });
        expect(refused.status).toBe(400);
        expect(errorOf(refused)).toContain('allowLocalPassword');
        const localNoPw = await call('POST', '/create-user', { username: h });
        expect(localNoPw.status).toBe(400);
        expect(errorOf(localNoPw)).toBe('password: is required');
      });
    });
  });
}
