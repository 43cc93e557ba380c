/**
 * Seeded, reproducible fuzz inputs for the apps' HTTP surfaces (issue 7): hostile strings (SQL,
 * HTML, template and Unicode edge cases), random bodies in right and wrong encodings, and the
 * checks every answer must pass (no 5xx, no stack trace, no SQL or driver error in the body).
 * A failure prints the seed and the request, so `FUZZ_SEED=<n>` replays it.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

/** A small, fast PRNG (mulberry32): the same seed gives the same run. */
export interface Random {
  seed: number;
  /** 0 ≤ x < 1 */
  next(): number;
  /** 0 ≤ n < max */
  int(max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
}

/** A PRNG seeded with `seed`. */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)] as T;
    },
  };
}

/** The seed of this run: FUZZ_SEED, else a fixed one (CI runs are reproducible by default). */
export function fuzzSeed(fallback: number): number {
  const raw = process.env.FUZZ_SEED;
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
}

/** SQL injection attempts. */
export const SQL_STRINGS = [
  "' OR '1'='1",
  "' OR 1=1 -- ",
  "admin'--",
  "'; DROP TABLE users; --",
  "'; DROP TABLE notes; --",
  '" OR ""="',
  "1' UNION SELECT username, password_hash FROM users -- ",
  "' AND SLEEP(3) -- ",
  "\\'; SELECT 1; --",
  '%27%20OR%201%3D1',
  "') OR ('a'='a",
  '1; UPDATE notes SET title = 0x41',
] as const;

/** Markup that would run script if a page put it in the HTML unescaped. */
export const XSS_STRINGS = [
  '<script>alert("xss-1")</script>',
  '"><img src=x onerror=alert("xss-2")>',
  "'><svg onload=alert('xss-3')>",
  '</textarea><script>alert("xss-4")</script>',
  '</title><script>alert("xss-5")</script>',
  '<iframe src="javascript:alert(`xss-6`)"></iframe>',
  '" autofocus onfocus="alert(\'xss-7\')',
  '<a href="javascript:alert(1)">xss-8</a>',
  '<%= process.env %><%~ it.csrf() %>{{7*7}}${7*7}',
  '<!--xss-10--><style>*{display:none}</style>',
] as const;

/** Unicode and byte-level edge cases. */
export const UNICODE_STRINGS = [
  '\u0000nul',
  'tab\tnew\nline\rcr',
  '\ud800lone-high',
  'lone-low\udfff',
  '\u202eright-to-left',
  'zero\u200bwidth\u200d',
  '\ufeffbom',
  'emoji 😀👩‍👩‍👧‍👦🏳️‍🌈',
  'e\u0301\u0301\u0301 combining',
  '𝕳𝖊𝖑𝖑𝖔 ﷽',
  '\u{10ffff}max',
  'ＡＢＣ fullwidth',
  'İstanbul ß ﬃ',
  '\u0085next-line\u2028ls\u2029ps',
] as const;

/** Every hostile string. */
export const HOSTILE_STRINGS: readonly string[] = [
  ...SQL_STRINGS,
  ...XSS_STRINGS,
  ...UNICODE_STRINGS,
  '',
  ' ',
  '../../../../etc/passwd',
  '%00',
  '%',
  '%E0%A4%A',
  '__proto__',
  'constructor',
  'null',
  'undefined',
  'NaN',
  '-1',
  '9'.repeat(400),
  '$(id)',
  '`id`',
  '; id',
];

/** A random string: mostly hostile ones, sometimes random code points, sometimes huge. */
export function randomString(rng: Random): string {
  const roll = rng.next();
  if (roll < 0.55) return rng.pick(HOSTILE_STRINGS);
  if (roll < 0.85) {
    let s = '';
    const length = rng.int(40);
    for (let i = 0; i < length; i++) {
      const plane = rng.next();
      const cp =
        plane < 0.5 ? 0x20 + rng.int(0x5f) : plane < 0.8 ? rng.int(0x800) : rng.int(0x110000);
      // Surrogate code points are left in on purpose: fromCodePoint makes lone surrogates.
      s += String.fromCodePoint(cp);
    }
    return s;
  }
  if (roll < 0.95) return rng.pick(HOSTILE_STRINGS).repeat(50 + rng.int(200));
  return 'x'.repeat(rng.pick([1_000, 70_000, 200_000, 1_100_000]));
}

/** A random JSON-ish value (strings, numbers, nulls, arrays, nested objects). */
export function randomValue(rng: Random, depth = 0): unknown {
  const roll = rng.next();
  if (roll < 0.6 || depth > 3) return randomString(rng);
  if (roll < 0.7) return rng.pick([0, -1, 1e308, -0, 2 ** 53 + 1, 3.14]);
  if (roll < 0.75) return rng.pick([null, true, false]);
  if (roll < 0.87) return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = rng.int(4); i > 0; i--)
    o[randomString(rng).slice(0, 30)] = randomValue(rng, depth + 1);
  return o;
}

/** One request body with the headers that go with it. */
export interface FuzzBody {
  contentType: string | undefined;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  describe: string;
}

const CONTENT_TYPES = [
  'application/json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/json; charset=bogus-8',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/vnd.api+json',
  '*/*',
  ';;;',
  undefined,
] as const;

/** A body for a route whose real fields are `fields` (plus `extra` that must stay, e.g. _csrf). */
export function randomBody(
  rng: Random,
  fields: readonly string[],
  extra: Record<string, string> = {},
): FuzzBody {
  const values: Record<string, unknown> = { ...extra };
  for (const field of fields)
    if (!(field in extra) && rng.chance(0.8)) values[field] = randomValue(rng);
  if (rng.chance(0.2)) values[randomString(rng).slice(0, 40)] = randomValue(rng);
  if (rng.chance(0.05)) values.__proto__ = { polluted: 'yes' };
  const roll = rng.next();
  let contentType: string | undefined;
  let body: string | Buffer;
  let describe: string;
  if (roll < 0.35) {
    contentType = 'application/json';
    body = JSON.stringify(values);
    describe = 'json';
  } else if (roll < 0.65) {
    contentType = 'application/x-www-form-urlencoded';
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(values))
      form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    if (rng.chance(0.2))
      form.append(`${rng.pick(fields.length > 0 ? fields : ['a'])}[a][b][c]`, 'deep');
    if (rng.chance(0.1)) form.append('__proto__[polluted]', 'yes');
    body = form.toString();
    describe = 'form';
  } else if (roll < 0.8) {
    contentType = rng.pick(CONTENT_TYPES);
    body = rng.chance(0.5) ? JSON.stringify(values) : randomString(rng);
    describe = `mismatched ${contentType ?? 'none'}`;
  } else if (roll < 0.92) {
    contentType = rng.pick(['application/json', 'application/x-www-form-urlencoded']);
    body = rng.pick([
      '{',
      '{"a":',
      '[1,2',
      'nul',
      '{"a":"\\ud800"}',
      '{"a":1}garbage',
      '{"__proto__":{"x":1}}',
      '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]',
      '%%%%&&&===',
      'a=%ZZ&b=%',
      'a='.repeat(5000),
      '"just a string"',
      '12345',
      // Bytes that are not UTF-8 inside a JSON string and a form value.
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x7d]),
      Buffer.from([0x61, 0x3d, 0xff, 0xfe, 0x26, 0x62, 0x3d, 0xed, 0xa0, 0x80]),
    ]);
    describe = `malformed ${contentType}`;
  } else {
    contentType = 'application/json';
    const bytes = Buffer.from(JSON.stringify(values));
    const encoding = rng.pick(['gzip', 'deflate', 'br', 'compress', 'bogus']);
    body = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), bytes]);
    describe = `content-encoding ${encoding} (garbage)`;
    return {
      contentType,
      headers: { 'content-type': contentType, 'content-encoding': encoding },
      body,
      describe,
    };
  }
  return {
    contentType,
    headers: contentType ? { 'content-type': contentType } : {},
    body,
    describe,
  };
}

/** What must never appear in an answer: stack frames, driver errors, SQL, internal paths. */
const LEAKS: [string, RegExp][] = [
  ['stack frame', /\n\s+at [^\n]+:\d+:\d+\)?/],
  ['stack frame', /\bat (?:async )?[\w$.<>]+ \((?:file:\/\/|\/|node:)/],
  ['source path', /\/(?:src|dist|node_modules)\/[\w./-]+\.(?:ts|js|mjs|cjs)\b/],
  ['node internal', /node:internal\//],
  ['SQL error', /SQL syntax|ER_[A-Z_]{4,}|SQLITE_[A-Z]+|sqlMessage|sqlState/],
  ['driver error', /Sequelize\w*Error|MariaDB|mysql2|ECONNREFUSED|ETIMEDOUT/],
  [
    'SQL text',
    /\b(?:SELECT\s+[\w`*,. ]+\s+FROM\s+`?\w|INSERT\s+INTO\s+`?\w|UPDATE\s+`?\w+`?\s+SET\s+`?\w+`?\s*=|DELETE\s+FROM\s+`?\w)/i,
  ],
  ['error class', /\b(?:TypeError|ReferenceError|SyntaxError|RangeError|URIError):/],
];

/**
 * Leaks found in `text`. `echoes` are strings the client itself sent (e.g. a note titled
 * "SELECT x FROM y" shown back, escaped): matches that fall inside one of them do not count.
 */
export function findLeaks(text: string, echoes: readonly string[] = []): string[] {
  const found: string[] = [];
  for (const [name, pattern] of LEAKS) {
    const match = pattern.exec(text);
    if (!match) continue;
    const hit = match[0];
    if (echoes.some((e) => e.includes(hit) || escapeHtml(e).includes(hit))) continue;
    found.push(`${name}: ${JSON.stringify(hit.slice(0, 120))}`);
  }
  return found;
}

/** HTML-escape as eta does (& < > " '). */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Run `count` jobs with at most `concurrency` at once; job i gets its own index. */
export async function runPool(
  count: number,
  concurrency: number,
  job: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** An answer, read fully (live streams: status and headers only). */
export interface Answer {
  status: number;
  text: string;
  headers: IncomingHttpHeaders;
}

/**
 * One request on its own connection (so one request's fate cannot touch another's), without
 * following redirects, with a deadline. A server may answer before it has read the whole body
 * (413 for a huge one) and close: the answer counts, the failed upload does not.
 */
export function send(
  url: string,
  init: {
    method: string;
    headers?: Record<string, string>;
    body?: string | Buffer | undefined;
    /** The server's body limit: a reset while uploading more than this is a refusal. */
    limitBytes?: number;
  },
  timeoutMs = 15_000,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body =
      init.body === undefined || init.method === 'GET' || init.method === 'HEAD'
        ? undefined
        : Buffer.from(init.body);
    const req = request(url, {
      method: init.method,
      agent: false,
      headers: {
        connection: 'close',
        ...init.headers,
        ...(body === undefined ? {} : { 'content-length': String(body.length) }),
      },
      timeout: timeoutMs,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const headers = res.headers;
      const status = res.statusCode ?? 0;
      if ((headers['content-type'] ?? '').startsWith('text/event-stream')) {
        // A live stream never ends: the status and headers are the answer.
        res.destroy();
        resolve({ status, text: '', headers });
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status, text: Buffer.concat(chunks).toString('utf8'), headers }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (answered) return;
      // A server may refuse a body over its limit before reading it, answer and close: the
      // answer can then be lost to the reset of our still-uploading socket. That is ordinary
      // HTTP, so it counts as a refusal (status 0) — but only for bodies over `limitBytes` and
      // request heads over the server's header limit.
      const reset = error.code === 'EPIPE' || error.code === 'ECONNRESET';
      const headBytes =
        url.length +
        Object.entries(init.headers ?? {}).reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
      const overBody = body !== undefined && body.length > (init.limitBytes ?? Infinity);
      // Node's HTTP server answers 431 and closes when the request head is over 16 KiB.
      if (reset && (overBody || headBytes > 16 * 1024))
        resolve({ status: 0, text: '', headers: {} });
      else reject(error);
    });
    req.end(body);
  });
}

/** `s` as one URL path segment or query value (lone surrogates replaced, as a browser would). */
export function urlPart(s: string): string {
  return encodeURIComponent(s.toWellFormed());
}

/** Tally of answers by status, for the report. */
export function tally(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
}
