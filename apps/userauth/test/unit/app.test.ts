import { inject } from 'light-my-request';
import { QueryTypes } from 'sequelize';
import { describe, expect, it } from 'vitest';
import { createApp, describeInternalError } from '../../src/app.ts';
import { parseBasicAuth } from '../../src/basic-auth.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { isValidUsername } from '../../src/user-input.ts';
import { startSqliteApp } from './sqlite-target.ts';

/** Typed asymmetric matchers (vitest's return `any`). */
const anyString = expect.any(String) as unknown as string;
const containing = (text: string) => expect.stringContaining(text) as unknown as string;

const auth = `Basic ${Buffer.from('them:unit-test-key').toString('base64')}`;

describe('request logs', () => {
  it('write one JSON line per request with method, path, status and ms, and nothing secret', async () => {
    const chunks: string[] = [];
    const log = createLogger((text) => chunks.push(text));
    const t = await startSqliteApp({ log, scryptLogN: 8 });
    const body = JSON.stringify({ username: 'logged', password: 'hunter2-secret' });
    await t.send(
      'POST',
      '/create-user',
      { authorization: auth, 'content-type': 'application/json' },
      body,
    );
    await t.send(
      'POST',
      '/passwordCheck?x=1',
      { authorization: auth, 'content-type': 'application/json' },
      body,
    );
    await t.send('GET', '/list', { authorization: 'Basic d3Jvbmc6d3Jvbmc=' });
    log.flush();
    const lines = chunks.join('').split('\n').filter(Boolean);
    const entries = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.msg === 'request');
    expect(entries.map((e) => [e.msg, e.method, e.path, e.status])).toEqual([
      ['request', 'POST', '/create-user', 201],
      ['request', 'POST', '/passwordCheck', 200],
      ['request', 'GET', '/list', 401],
    ]);
    for (const e of entries) {
      expect(typeof e.ms).toBe('number');
      expect(typeof e.time).toBe('string');
    }
    const all = lines.join('');
    for (const secret of ['hunter2', 'unit-test-key', auth, 'd3Jvbmc6d3Jvbmc', 'authorization'])
      expect(all).not.toContain(secret);
    await t.db.close();
  });

  it('log a 500 with the error name but answer the client with a generic message', async () => {
    const chunks: string[] = [];
    const log = createLogger((text) => chunks.push(text));
    const t = await startSqliteApp({ log });
    await t.db.query('DROP TABLE users');
    const res = await t.send('GET', '/list', { authorization: auth });
    expect(res.status).toBe(500);
    expect(JSON.parse(res.text)).toEqual({ error: 'internal server error' });
    log.flush();
    const failures = chunks
      .join('')
      .split('\n')
      .filter((l) => l.includes('"msg":"request failed"'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('SequelizeDatabaseError');
    await t.db.close();
  });
});

describe('describeInternalError', () => {
  it('drops quoted SQL (with inlined values) and stacks from database errors', () => {
    const err = Object.assign(
      new Error(
        "You have an error in your SQL syntax; check the manual near 'UPDATE users SET password_hash='$scrypt$secret'",
      ),
      {
        name: 'SequelizeDatabaseError',
        sql: "UPDATE users SET password_hash='$scrypt$secret'",
        parent: { code: 'ER_PARSE_ERROR' },
      },
    );
    const details = describeInternalError(err);
    expect(details).toEqual({
      code: 'ER_PARSE_ERROR',
      message: 'You have an error in your SQL syntax; check the manual',
    });
    expect(JSON.stringify(details)).not.toContain('secret');
  });

  it('keeps message and stack for other errors', () => {
    const details = describeInternalError(new TypeError('boom'));
    expect(details.message).toBe('boom');
    expect(details.stack).toContain('TypeError: boom');
  });
});

describe('readiness', () => {
  it('answers 503 on /health and on the API while the database is not ready', async () => {
    const app = createApp({
      apiUser: 'them',
      apiKey: 'unit-test-key',
      getUsers: () => undefined,
      log: silentLogger,
    });
    const handler = app.callback();
    const health = await inject((req, res) => void handler(req, res), { url: '/health' });
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'starting' });
    const api = await inject((req, res) => void handler(req, res), {
      url: '/list',
      headers: { authorization: auth },
    });
    expect(api.statusCode).toBe(503);
    expect(api.json()).toEqual({ error: containing('starting') });
  });

  it('answers 503 on /health when the database stops answering', async () => {
    const t = await startSqliteApp();
    expect((await t.send('GET', '/health', {})).status).toBe(200);
    await t.db.close();
    const res = await t.send('GET', '/health', {});
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toEqual({ status: 'database unavailable' });
  });

  it('answers 405 for a known path with another method', async () => {
    const t = await startSqliteApp();
    const res = await t.send('PUT', '/list', { authorization: auth });
    expect(res.status).toBe(405);
    expect(JSON.parse(res.text)).toEqual({ error: anyString });
    await t.db.close();
  });
});

describe('password upgrades', () => {
  it('re-hashes with the current cost on a successful check, not on a failed one', async () => {
    const old = await startSqliteApp({ scryptLogN: 8 });
    await old.users.create({ username: 'upgrader', password: 'pw' });
    const hashOf = async () =>
      (
        await old.db.query<{ h: string }>(
          "SELECT password_hash AS h FROM users WHERE username = 'upgrader'",
          { type: QueryTypes.SELECT },
        )
      )[0]?.h;
    expect(await hashOf()).toMatch(/^\$scrypt\$ln=8,/);
    // Same database, a store configured with a higher cost (as after raising USERAUTH_SCRYPT_LOG_N).
    const { createUserStore } = await import('../../src/users.ts');
    const raised = createUserStore(old.db, { log: silentLogger, scryptLogN: 9 });
    expect(await raised.checkPassword('upgrader', 'wrong')).toBe(false);
    expect(await hashOf()).toMatch(/^\$scrypt\$ln=8,/);
    expect(await raised.checkPassword('UPGRADER', 'pw')).toBe(true);
    expect(await hashOf()).toMatch(/^\$scrypt\$ln=9,/);
    expect(await raised.checkPassword('upgrader', 'pw')).toBe(true);
    await old.db.close();
  });
});

describe('parsing helpers', () => {
  it('parses Basic credentials, keeping colons in the password', () => {
    const header = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(parseBasicAuth(header('them:a:b'))).toEqual({ user: 'them', pass: 'a:b' });
    expect(parseBasicAuth(header('them:'))).toEqual({ user: 'them', pass: '' });
    expect(parseBasicAuth(header('nocolon'))).toBeUndefined();
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth('Digest abc')).toBeUndefined();
  });

  it('applies the username rules', () => {
    for (const ok of [
      'a',
      'Alice',
      'bob.smith',
      'x_y-z',
      'me+tag@example.com',
      '9lives',
      'a'.repeat(64),
    ])
      expect(isValidUsername(ok)).toBe(true);
    for (const bad of [
      '',
      ' a',
      'a b',
      '.a',
      '-a',
      '@a',
      'a/b',
      'a\\b',
      'ä',
      'a\u0000',
      'a'.repeat(65),
      'a:b',
    ])
      expect(isValidUsername(bad)).toBe(false);
  });
});
