/**
 * The /passwordCheck rate limit (issue 7): token buckets by source address and by username,
 * charged for failures only, 429 + Retry-After beyond them, and 401 for bad API credentials
 * whatever the limits say.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import {
  createCheckLimiter,
  DEFAULT_CHECK_LIMITS,
  parseBucketLimit,
  type Reservation,
} from '../../src/rate-limit.ts';
import { startSqliteApp } from './sqlite-target.ts';

const auth = `Basic ${Buffer.from('them:unit-test-key').toString('base64')}`;
const json = { authorization: auth, 'content-type': 'application/json' };

/** A clock the test moves by hand. */
function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const allowed = (r: Reservation) => r.allowed;

describe('createCheckLimiter', () => {
  it('allows a burst of failures per username, then one per refill interval', () => {
    const clock = fakeClock();
    const limiter = createCheckLimiter(
      { perSource: { burst: 100, perMinute: 100 }, perUsername: { burst: 3, perMinute: 6 } },
      clock.now,
    );
    const tries = Array.from({ length: 4 }, () => limiter.reserve('10.0.0.1', 'ann'));
    expect(tries.map(allowed)).toEqual([true, true, true, false]);
    expect(tries[3]).toEqual({ allowed: false, retryAfterS: 10, limitedBy: 'username' });
    clock.advance(9_000);
    expect(limiter.reserve('10.0.0.1', 'ann').allowed).toBe(false);
    clock.advance(1_000);
    expect(limiter.reserve('10.0.0.1', 'ann').allowed).toBe(true);
    expect(limiter.reserve('10.0.0.1', 'ann').allowed).toBe(false);
  });

  it('keys usernames case-insensitively and independently of each other', () => {
    const limiter = createCheckLimiter(
      { perSource: { burst: 100, perMinute: 1 }, perUsername: { burst: 2, perMinute: 1 } },
      fakeClock().now,
    );
    expect([
      limiter.reserve('a', 'Ann').allowed,
      limiter.reserve('b', 'ANN').allowed,
      limiter.reserve('c', 'ann').allowed,
      limiter.reserve('a', 'bob').allowed,
    ]).toEqual([true, true, false, true]);
  });

  it('limits one source guessing many usernames (a password spray)', () => {
    const limiter = createCheckLimiter(
      { perSource: { burst: 5, perMinute: 60 }, perUsername: { burst: 10, perMinute: 6 } },
      fakeClock().now,
    );
    const spray = Array.from({ length: 7 }, (_, i) => limiter.reserve('10.0.0.9', `user${i}`));
    expect(spray.map(allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(spray[5]).toEqual({ allowed: false, retryAfterS: 1, limitedBy: 'source' });
    expect(limiter.reserve('10.0.0.10', 'user0').allowed).toBe(true);
  });

  it('gives the tokens back when the check succeeds', () => {
    const limiter = createCheckLimiter(
      { perSource: { burst: 2, perMinute: 1 }, perUsername: { burst: 2, perMinute: 1 } },
      fakeClock().now,
    );
    for (let i = 0; i < 50; i++) {
      const r = limiter.reserve('10.0.0.1', 'ann');
      expect(r.allowed).toBe(true);
      if (r.allowed) {
        r.refund();
        r.refund(); // idempotent: never more than taken
      }
    }
    expect(limiter.reserve('10.0.0.1', 'ann').allowed).toBe(true);
    expect(limiter.reserve('10.0.0.1', 'ann').allowed).toBe(true);
    expect(limiter.reserve('10.0.0.1', 'ann').allowed).toBe(false);
  });

  it('keeps at most maxKeys buckets, forgetting refilled ones first', () => {
    const clock = fakeClock();
    const limiter = createCheckLimiter(
      {
        perSource: { burst: 1_000_000, perMinute: 1 },
        perUsername: { burst: 1, perMinute: 1 },
        maxKeys: 3,
      },
      clock.now,
    );
    expect(limiter.reserve('s', 'a').allowed).toBe(true);
    expect(limiter.reserve('s', 'b').allowed).toBe(true);
    expect(limiter.reserve('s', 'c').allowed).toBe(true);
    // A fourth name evicts the least recently charged (a), not the others.
    expect(limiter.reserve('s', 'd').allowed).toBe(true);
    expect(limiter.reserve('s', 'b').allowed).toBe(false);
    expect(limiter.reserve('s', 'a').allowed).toBe(true);
  });

  it('documents its defaults as the README states them', () => {
    expect(DEFAULT_CHECK_LIMITS).toEqual({
      perSource: { burst: 60, perMinute: 120 },
      perUsername: { burst: 10, perMinute: 6 },
    });
  });
});

describe('limits from the environment', () => {
  it('parses BURST/PER_MINUTE and refuses anything else, naming the variable', () => {
    expect(parseBucketLimit('X', '10/6')).toEqual({ burst: 10, perMinute: 6 });
    for (const bad of ['10', '0/6', '10/0', '-1/6', 'ten/6', '10/6/1', ''])
      expect(() => parseBucketLimit('X', bad)).toThrow(/^X: expected BURST\/PER_MINUTE/);
    const config = loadConfig({
      USERAUTH_CHECK_LIMIT_USER: '3/60',
      USERAUTH_CHECK_LIMIT_SOURCE: '100/600',
    });
    expect(config.checkLimits).toEqual({
      perSource: { burst: 100, perMinute: 600 },
      perUsername: { burst: 3, perMinute: 60 },
    });
    expect(loadConfig({}).checkLimits).toEqual(DEFAULT_CHECK_LIMITS);
    expect(() => loadConfig({ USERAUTH_CHECK_LIMIT_USER: 'lots' })).toThrow(
      'USERAUTH_CHECK_LIMIT_USER: expected BURST/PER_MINUTE',
    );
  });
});

describe('POST /passwordCheck under the limit', () => {
  it('answers 200 check:false for the first guesses, then 429 with Retry-After on both paths', async () => {
    const t = await startSqliteApp({ scryptLogN: 4 });
    await t.users.create({ username: 'victim', password: 'right' });
    const statuses: number[] = [];
    for (let i = 0; i < DEFAULT_CHECK_LIMITS.perUsername.burst; i++) {
      const res = await t.send(
        'POST',
        '/passwordCheck',
        json,
        JSON.stringify({ username: 'victim', password: `guess${i}` }),
      );
      statuses.push(res.status);
      expect(JSON.parse(res.text)).toMatchObject({ check: false });
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const limited = await t.send(
      'POST',
      '/password-check',
      { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      'username=VICTIM&password=guess',
    );
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('10');
    expect(JSON.parse(limited.text)).toEqual({
      error: 'too many password checks; retry in 10 s',
      retryAfter: 10,
    });
    // Even the right password waits: the account is being guessed at (documented trade-off).
    const right = await t.send(
      'POST',
      '/passwordCheck',
      json,
      JSON.stringify({ username: 'victim', password: 'right' }),
    );
    expect(right.status).toBe(429);
    await t.db.close();
  });

  it('keeps 401 for missing or wrong API credentials, however many there are', async () => {
    const t = await startSqliteApp({ scryptLogN: 4 });
    const wrong = `Basic ${Buffer.from('them:wrong').toString('base64')}`;
    for (let i = 0; i < 100; i++) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (i % 2 === 0) headers.authorization = wrong;
      const res = await t.send(
        'POST',
        '/passwordCheck',
        headers,
        JSON.stringify({ username: 'victim', password: 'x' }),
      );
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic realm="userauth"/);
    }
    // Unauthenticated requests spent nothing: a real caller still has its whole burst.
    const res = await t.send(
      'POST',
      '/passwordCheck',
      json,
      JSON.stringify({ username: 'victim', password: 'x' }),
    );
    expect(res.status).toBe(200);
    await t.db.close();
  });

  it('limits by the socket address, not by a header the caller chooses', async () => {
    const limiter = createCheckLimiter({
      perSource: { burst: 3, perMinute: 1 },
      perUsername: { burst: 100, perMinute: 1 },
    });
    const t = await startSqliteApp({ scryptLogN: 4, checkLimiter: limiter });
    const guess = (i: number, address: string) =>
      t.send(
        'POST',
        '/passwordCheck',
        { ...json, 'x-forwarded-for': `198.51.100.${i}` },
        JSON.stringify({ username: `spray${i}`, password: 'Summer2024!' }),
        address,
      );
    const fromOne = [];
    for (let i = 0; i < 5; i++) fromOne.push((await guess(i, '10.1.1.1')).status);
    expect(fromOne).toEqual([200, 200, 200, 429, 429]);
    expect((await guess(9, '10.1.1.2')).status).toBe(200);
    await t.db.close();
  });
});
