/**
 * userauth's HTTP surface under hostile input (issue 7), as a real process on a real MariaDB:
 * brute force of /passwordCheck is rate-limited (401s stay 401s), and a seeded fuzz run of every
 * route — random and malformed bodies, huge fields, wrong content types and encodings, Unicode
 * edge cases, SQL injection strings — gets no 5xx, no stack trace or SQL in any body, and leaves
 * the accounts that were there intact. FUZZ_SEED=<n> replays a run; FUZZ_REQUESTS sizes it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMariaDb, type MariaDb } from '../bed/mariadb.ts';
import { startUserauth, type Userauth } from '../bed/userauth.ts';
import {
  createRandom,
  findLeaks,
  fuzzSeed,
  HOSTILE_STRINGS,
  randomBody,
  randomString,
  runPool,
  send,
  tally,
  urlPart,
  type Random,
} from '../support/faults/fuzz.ts';

const SEED = fuzzSeed(7_2026);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const USER_FIELDS = [
  'username',
  'password',
  'provider',
  'familyName',
  'givenName',
  'middleName',
  'emails',
  'photos',
] as const;
const KEEPERS = Array.from({ length: 5 }, (_, i) => ({
  username: `keeper${i}`,
  password: `keeper-pw-${i}-${randomBytes(4).toString('hex')}`,
  givenName: `Keeper ${i}`,
}));

let mariadb: MariaDb;
let userauth: Userauth;

function name(rng: Random): string {
  return rng.chance(0.5) ? `fz${rng.int(40)}` : randomString(rng).slice(0, 200);
}

/** One random request: a route (sometimes with the wrong method), credentials, a body. */
function randomRequest(rng: Random): {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  describe: string;
} {
  const route = rng.int(11);
  const segment = () =>
    rng.chance(0.9) ? urlPart(name(rng)) : rng.pick(['%', '%E0%A4%A', '..%2F..%2Fetc', '%00', '']);
  const [method, path, fields]: [string, string, readonly string[]] =
    route === 0
      ? ['POST', '/create-user', USER_FIELDS]
      : route === 1
        ? ['POST', `/update-user/${segment()}`, USER_FIELDS]
        : route === 2
          ? ['POST', '/find-or-create', USER_FIELDS]
          : route === 3
            ? ['GET', `/find/${segment()}`, []]
            : route === 4
              ? ['DELETE', `/destroy/${segment()}`, []]
              : route === 5
                ? ['POST', '/passwordCheck', ['username', 'password']]
                : route === 6
                  ? ['POST', '/password-check', ['username', 'password']]
                  : route === 7
                    ? ['GET', '/list', []]
                    : route === 8
                      ? ['GET', '/health', []]
                      : route === 9
                        ? ['GET', `/${segment()}/${segment()}`, []]
                        : ['POST', `/create-user?${urlPart(randomString(rng))}`, USER_FIELDS];
  const chosenMethod = rng.chance(0.1)
    ? rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'])
    : method;
  // Often a valid name and password, so the hostile values in the other fields get stored.
  const valid: Record<string, string> =
    fields === USER_FIELDS && rng.chance(0.4)
      ? { username: `fz${rng.int(40)}`, password: `pw${rng.int(5)}` }
      : {};
  const fuzz = randomBody(rng, fields, valid);
  const headers: Record<string, string> = { ...fuzz.headers };
  const auth = rng.next();
  if (auth < 0.85) headers.authorization = userauth.authorization;
  else if (auth < 0.9)
    headers.authorization = `Basic ${Buffer.from(`them:${randomString(rng).toWellFormed()}`).toString('base64')}`;
  else if (auth < 0.95)
    headers.authorization = rng.pick(['Basic', 'Basic !!!', 'Bearer x', 'Basic Og==', 'basic  ']);
  return {
    method: chosenMethod,
    path,
    headers,
    body: chosenMethod === 'GET' || chosenMethod === 'HEAD' ? undefined : fuzz.body,
    describe: `${chosenMethod} ${path.slice(0, 80)} [${fuzz.describe}]`,
  };
}

/** What the request itself carried, which an answer may legitimately repeat (e.g. a username). */
function echoesOf(r: { path: string; body: string | Buffer | undefined }): string[] {
  const body = r.body === undefined ? '' : r.body.toString();
  // Stored values come back too (GET /list): every hostile string may be echoed, escaped as JSON.
  const echoes = [body, safeDecode(r.path), ...HOSTILE_STRINGS];
  try {
    echoes.push(...(JSON.stringify(JSON.parse(body)).match(/"(?:[^"\\]|\\.)*"/g) ?? []));
  } catch {
    echoes.push(...new URLSearchParams(body).values());
  }
  return echoes;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function passwordCheck(username: string, password: string) {
  return send(`${userauth.url}/passwordCheck`, {
    method: 'POST',
    headers: { authorization: userauth.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

describe('userauth under hostile input', () => {
  beforeAll(async () => {
    mariadb = await startMariaDb();
    const { url } = await mariadb.createDatabase(`fuzz_ua_${randomBytes(3).toString('hex')}`);
    // Cheap hashes: the fuzz run is about the HTTP surface, not scrypt's cost.
    userauth = await startUserauth({ databaseUrl: url, env: { USERAUTH_SCRYPT_LOG_N: '4' } });
    for (const keeper of KEEPERS) await userauth.createUser(keeper);
  });
  afterAll(async () => {
    await (userauth as Userauth | undefined)?.stop();
    await (mariadb as MariaDb | undefined)?.stop();
  });

  it('slows brute force of /passwordCheck: 10 wrong guesses, then 429 + Retry-After; 401 without credentials', async () => {
    const check = (username: string, password: string, authorization?: string) =>
      send(`${userauth.url}/passwordCheck`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify({ username, password }),
      });
    const target = KEEPERS[0]?.username ?? '';
    const started = performance.now();
    const answers = [];
    for (let i = 0; i < 15; i++)
      answers.push(await check(target, `guess-${i}`, userauth.authorization));
    const ms = performance.now() - started;
    expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(200));
    for (const a of answers.slice(0, 10))
      expect(JSON.parse(a.text)).toMatchObject({ check: false });
    for (const a of answers.slice(10)) {
      expect(a.status).toBe(429);
      expect(Number(a.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(a.headers['retry-after'])).toBeLessThanOrEqual(10);
    }
    // The right password waits too while the account is being guessed at; another account does not.
    expect((await check(target, KEEPERS[0]?.password ?? '', userauth.authorization)).status).toBe(
      429,
    );
    const other = KEEPERS[1];
    const fine = await check(other?.username ?? '', other?.password ?? '', userauth.authorization);
    expect(JSON.parse(fine.text)).toEqual({ check: true, username: other?.username });
    // No or wrong API credentials: 401, limited or not.
    for (const authorization of [undefined, 'Basic dGhlbTp3cm9uZw==']) {
      const res = await check(target, 'x', authorization);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    }
    console.error(
      `brute force: 15 guesses in ${ms.toFixed(0)} ms → 10 answered, 5 refused (429, Retry-After ${answers[14]?.headers['retry-after'] ?? '?'} s); at most 10 + 6/min guesses per account`,
    );
  });

  it(`answers ${REQUESTS} seeded random requests without a 5xx or a leak (seed ${SEED})`, async () => {
    const rng = createRandom(SEED);
    const requests = Array.from({ length: REQUESTS }, () => randomRequest(rng));
    const statuses: number[] = [];
    const problems: string[] = [];
    const started = performance.now();
    await runPool(requests.length, 8, async (i) => {
      const r = requests[i];
      if (!r) return;
      const answer = await send(`${userauth.url}${r.path}`, {
        ...r,
        limitBytes: 64 * 1024,
      }).catch((error: unknown) => {
        problems.push(`#${i} ${r.describe}: no answer (${(error as Error).message})`);
      });
      if (!answer) return;
      const { status, text } = answer;
      statuses.push(status);
      if (status >= 500) problems.push(`#${i} ${r.describe}: ${status} ${text.slice(0, 200)}`);
      for (const leak of findLeaks(text, echoesOf(r)))
        problems.push(`#${i} ${r.describe}: ${leak}`);
      if (text !== '' && !/^[[{]/.test(text))
        problems.push(`#${i} ${r.describe}: not JSON: ${text.slice(0, 100)}`);
    });
    const ms = performance.now() - started;
    console.error(
      `userauth fuzz (seed ${SEED}): ${statuses.length} answers in ${ms.toFixed(0)} ms: ${tally(statuses)}`,
    );
    expect(problems.slice(0, 20), `seed ${SEED}`).toEqual([]);
    expect(statuses.length).toBe(REQUESTS);
    expect(userauth.output()).not.toContain('"msg":"request failed"');
  });

  it('still holds every account it had, with its password, after the fuzz run', async () => {
    const health = await send(`${userauth.url}/health`, { method: 'GET' });
    expect(health.status).toBe(200);
    for (const keeper of KEEPERS.slice(1)) {
      const found = await send(`${userauth.url}/find/${keeper.username}`, {
        method: 'GET',
        headers: { authorization: userauth.authorization },
      });
      expect(JSON.parse(found.text)).toMatchObject({
        username: keeper.username,
        givenName: keeper.givenName,
      });
      // The fuzz run's failed checks may have emptied this source's bucket: wait as told.
      const deadline = Date.now() + 60_000;
      let check = await passwordCheck(keeper.username, keeper.password);
      while (check.status === 429 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Number(check.headers['retry-after'] ?? 1) * 1000));
        check = await passwordCheck(keeper.username, keeper.password);
      }
      expect(JSON.parse(check.text)).toMatchObject({ check: true });
    }
    const tables = await mariadb.sql(
      "SELECT table_name FROM information_schema.tables WHERE table_schema LIKE 'fuzz_ua_%' ORDER BY 1",
    );
    expect(tables.split('\n').filter(Boolean)).toContain('users');
  });
});
