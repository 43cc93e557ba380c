/**
 * Notes' HTTP surface under hostile input (issue 7): the app as a real HTTP server on a real
 * MariaDB, logging in through a real userauth process. A seeded fuzz run of every route — random
 * and malformed bodies, huge fields, wrong content types and encodings, Unicode edge cases, SQL
 * and HTML injection strings, with and without a session and CSRF token — gets no 5xx, no stack
 * trace or SQL in any body; afterwards, every page that shows stored text (the note list, each
 * note with its comments, the edit and delete forms, the header with the user's name) shows
 * markup only escaped. FUZZ_SEED=<n> replays a run; FUZZ_REQUESTS sizes it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import { startTestNotes, type TestNotes } from '../../apps/notes/test/helpers/notes-app.ts';
import { startMariaDb, type MariaDb } from '../bed/mariadb.ts';
import { startUserauth, type Userauth } from '../bed/userauth.ts';
import {
  createRandom,
  escapeHtml,
  findLeaks,
  fuzzSeed,
  HOSTILE_STRINGS,
  randomBody,
  randomString,
  runPool,
  send,
  tally,
  urlPart,
  XSS_STRINGS,
  type Random,
} from '../support/faults/fuzz.ts';

const SEED = fuzzSeed(4_2026);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
const PASSWORD = `fuzz-pw-${randomBytes(6).toString('hex')}`;
/** The fuzzing user's names are markup too: they are shown in every page's header. */
const GIVEN_NAME = '<img src=x onerror=alert("given")>';
const FAMILY_NAME = '"><script>alert("family")</script>';

let mariadb: MariaDb;
let userauth: Userauth;
let notes: TestNotes;
let user: Client;
let dbName: string;

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  describe: string;
}

function noteKey(rng: Random): string {
  return rng.chance(0.5) ? `fz-${rng.int(30)}` : randomString(rng).slice(0, 150);
}

type Route = (rng: Random) => [method: string, path: string, fields: readonly string[]];

const key = (rng: Random): string => urlPart(noteKey(rng));
const save: Route = () => ['POST', '/notes/save', ['docreate', 'notekey', 'title', 'body']];
const comment: Route = () => ['POST', '/notes/make-comment', ['notekey', 'message']];

/** Every route of the app (writes twice: they are where stored input comes from). */
const ROUTES: Route[] = [
  () => ['GET', '/', []],
  (rng) => ['GET', `/notes/view?key=${key(rng)}`, []],
  (rng) => ['GET', `/notes/edit?key=${key(rng)}`, []],
  save,
  save,
  (rng) => ['GET', `/notes/destroy?key=${key(rng)}`, []],
  () => ['POST', '/notes/destroy/confirm', ['notekey']],
  comment,
  comment,
  () => ['POST', '/notes/del-message', ['id']],
  (rng) => ['GET', `/users/login?returnTo=${urlPart(randomString(rng))}`, []],
  () => ['POST', '/users/login', ['username', 'password', 'returnTo']],
  (rng) => ['GET', `/notes/events?key=${key(rng)}&since=${urlPart(randomString(rng))}`, []],
  (rng) => [
    'GET',
    rng.pick(['/health', '/static/style.css', '/static/../src/app.ts', '/notes/add']),
    [],
  ],
  (rng) => [
    'GET',
    `/${urlPart(randomString(rng))}/${rng.pick(['%', '%E0%A4%A', '..%2F..%2Fetc%2Fpasswd', '%00'])}`,
    [],
  ],
];

/** One random request against a route, as the logged-in user (with or without CSRF) or anonymous. */
function randomRequest(rng: Random): FuzzRequest {
  const who = rng.next();
  const loggedIn = who < 0.7;
  const csrf: Record<string, string> =
    who < 0.6 ? { _csrf: user.csrf ?? '' } : who < 0.65 ? { _csrf: 'x'.repeat(43) } : {};
  const [method, path, fields] = rng.pick(ROUTES)(rng);
  const chosenMethod = rng.chance(0.08)
    ? rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'])
    : method;
  // Often well-formed where the form needs it, so hostile values reach the database.
  const valid: Record<string, string> = { ...csrf };
  if (path === '/notes/save' && rng.chance(0.6)) {
    valid.docreate = rng.pick(['create', 'update']);
    valid.notekey = noteKey(rng).toWellFormed();
  }
  if (path === '/notes/make-comment' && rng.chance(0.6)) valid.notekey = `fz-${rng.int(30)}`;
  if (path === '/users/login' && rng.chance(0.7)) valid.username = 'fuzzer';
  const fuzz = randomBody(rng, fields, valid);
  const headers: Record<string, string> = { accept: 'text/html', ...fuzz.headers };
  if (loggedIn) headers.cookie = [...user.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  else if (rng.chance(0.2))
    headers.cookie = rng.pick([
      'notes.sid=garbage; notes.sid.sig=garbage',
      `notes.sid=${'A'.repeat(3000)}`,
      'notes.sid=eyJ1c2VyIjp7InVzZXJuYW1lIjoiYWRtaW4ifX0=',
      '=; ;;=',
    ]);
  // Header values must be printable ASCII for the HTTP client itself; the server sees any of them.
  if (rng.chance(0.05))
    headers['last-event-id'] = randomString(rng)
      .slice(0, 50)
      .replace(/[^\x20-\x7e]/g, '?');
  return {
    method: chosenMethod,
    path,
    headers,
    body: chosenMethod === 'GET' || chosenMethod === 'HEAD' ? undefined : fuzz.body,
    describe: `${chosenMethod} ${path.slice(0, 80)} ${loggedIn ? 'user' : 'anon'} [${fuzz.describe}]`,
  };
}

/** Start tags with their attributes; quoted values cannot hold their quote (escaped text). */
const TAG =
  /<([a-zA-Z][\w-]*)((?:\s+[^\s=>"'/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>=`]+))?)*)\s*\/?>/g;
const ATTRIBUTE = /([^\s=>"'/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>=`]+))?/g;

/** Markup a page may never carry raw: every XSS string, and tags or attributes that run script. */
function injectionsIn(page: string): string[] {
  const found = XSS_STRINGS.filter((x) => page.includes(x)).map((x) => `raw ${JSON.stringify(x)}`);
  let scripts = 0;
  for (const [, tag = '', attributes = ''] of page.matchAll(TAG)) {
    if (/^(script|iframe|svg|object|embed)$/i.test(tag) && ++scripts > 1)
      found.push(`<${tag}> beyond the layout's one <script>`);
    for (const [, name = '', value = ''] of attributes.matchAll(ATTRIBUTE)) {
      if (/^on/i.test(name)) found.push(`<${tag} ${name}=…>`);
      if (/^(href|src|action|formaction)$/i.test(name) && /^["']?\s*javascript:/i.test(value))
        found.push(`<${tag} ${name}=${value}>`);
    }
  }
  return found;
}

describe('notes under hostile input', () => {
  beforeAll(async () => {
    mariadb = await startMariaDb();
    const suffix = randomBytes(3).toString('hex');
    dbName = `fuzz_notes_${suffix}`;
    const [notesDb, userauthDb] = await Promise.all([
      mariadb.createDatabase(dbName),
      mariadb.createDatabase(`fuzz_nua_${suffix}`),
    ]);
    userauth = await startUserauth({
      databaseUrl: userauthDb.url,
      env: { USERAUTH_SCRYPT_LOG_N: '4' },
    });
    await userauth.createUser({
      username: 'fuzzer',
      password: PASSWORD,
      givenName: GIVEN_NAME,
      familyName: FAMILY_NAME,
    });
    notes = await startTestNotes({
      databaseUrl: notesDb.url,
      userauthUrl: userauth.url,
      userauthKey: userauth.apiKey,
    });
    user = new Client(notes.url);
    expect((await user.login('fuzzer', PASSWORD)).status).toBe(302);
    await user.get('/notes/add'); // a page with a form: the CSRF token of this session
    expect(user.csrf).toBeDefined();
  });
  afterAll(async () => {
    await (notes as TestNotes | undefined)?.stop();
    await (userauth as Userauth | undefined)?.stop();
    await (mariadb as MariaDb | undefined)?.stop();
  });

  it(`answers ${REQUESTS} seeded random requests without a 5xx or a leak (seed ${SEED})`, async () => {
    const rng = createRandom(SEED);
    const requests = Array.from({ length: REQUESTS }, () => randomRequest(rng));
    const statuses: number[] = [];
    const problems: string[] = [];
    const started = performance.now();
    await runPool(requests.length, 6, async (i) => {
      const r = requests[i];
      if (!r) return;
      // Limits: 64 KiB for JSON, 1 MiB for forms (apps/notes/src/app.ts).
      const answer = await send(`${notes.url}${r.path}`, {
        ...r,
        limitBytes: 64 * 1024,
      }).catch((error: unknown) => {
        problems.push(`#${i} ${r.describe}: no answer (${(error as Error).message})`);
      });
      if (!answer) return;
      statuses.push(answer.status);
      if (answer.status >= 500)
        problems.push(`#${i} ${r.describe}: ${answer.status} ${answer.text.slice(0, 300)}`);
      const echoes = [...HOSTILE_STRINGS, r.body?.toString() ?? '', r.path];
      for (const leak of findLeaks(answer.text, echoes))
        problems.push(`#${i} ${r.describe}: ${leak}`);
    });
    const ms = performance.now() - started;
    console.error(
      `notes fuzz (seed ${SEED}): ${statuses.length} answers in ${ms.toFixed(0)} ms: ${tally(statuses)}`,
    );
    expect(problems.slice(0, 20), `seed ${SEED}`).toEqual([]);
    expect(statuses.length).toBe(REQUESTS);
    const stored = await mariadb.sql(`SELECT COUNT(*) FROM \`${dbName}\`.notes`);
    console.error(`notes fuzz: ${stored.trim()} notes stored with fuzzed fields`);
  });

  it('shows every stored note, comment and name escaped (no stored XSS)', async () => {
    // The XSS strings once more, in every field that is stored and shown.
    for (const [i, x] of XSS_STRINGS.entries()) {
      const key = `xss-${i}-${x}`.slice(0, 100);
      await user.get('/notes/add');
      const saved = await user.post('/notes/save', {
        docreate: 'create',
        notekey: key,
        title: x.slice(0, 200),
        body: `${x}\n${x}`,
      });
      expect(saved.status, key).toBe(302);
      await user.get(`/notes/view?key=${urlPart(key)}`);
      const commented = await user.post('/notes/make-comment', { notekey: key, message: x });
      expect(commented.status, key).toBe(302);
    }
    const keys = (await mariadb.sql(`SELECT notekey FROM \`${dbName}\`.notes ORDER BY notekey`))
      .split('\n')
      .filter((k) => k !== '');
    expect(keys.length).toBeGreaterThanOrEqual(XSS_STRINGS.length);
    const pages = ['/', '/notes/add', `/users/login?returnTo=${urlPart(XSS_STRINGS[0])}`];
    for (const key of keys.filter((k) => k.startsWith('xss-') || k.startsWith('fz-')))
      for (const page of ['view', 'edit', 'destroy'])
        pages.push(`/notes/${page}?key=${urlPart(key)}`);
    const problems: string[] = [];
    for (const path of pages) {
      const page = await user.get(path);
      if (page.status !== 200) {
        problems.push(`${path}: ${page.status}`);
        continue;
      }
      for (const found of injectionsIn(page.text)) problems.push(`${path}: ${found}`);
    }
    // Shown, and shown escaped: the header name, and each XSS note's title on its own page.
    const home = await user.get('/');
    expect(home.text).toContain(escapeHtml(`${GIVEN_NAME} ${FAMILY_NAME}`));
    for (const [i, x] of XSS_STRINGS.entries()) {
      const view = await user.get(`/notes/view?key=${urlPart(`xss-${i}-${x}`.slice(0, 100))}`);
      expect(view.text).toContain(escapeHtml(x));
    }
    // A login form re-shown with a hostile user name (reflected, not stored, but the same rule).
    await user.get('/users/login');
    const relogin = await new Client(notes.url).login(XSS_STRINGS[1], 'wrong');
    expect(injectionsIn(relogin.text)).toEqual([]);
    console.error(`stored XSS check: ${pages.length} pages, ${keys.length} notes`);
    expect(problems.slice(0, 20)).toEqual([]);
  });
});
