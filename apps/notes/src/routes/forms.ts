/**
 * Reading and checking form fields. Limits here are product rules; the body parser's byte limit
 * (app.ts) is the outer wall.
 */
import type Koa from 'koa';

/** The parsed form body as a record of strings (arrays and objects are ignored). */
export function formOf(ctx: Koa.Context): Record<string, string> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(body))
    if (typeof value === 'string') out[name] = value;
  return out;
}

/** A single-valued query parameter, or undefined. */
export function queryParam(ctx: Koa.Context, name: string): string | undefined {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : undefined;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Limits of note and comment fields, and of the login form's fields: userauth refuses (400) a
 * user name or password longer than 1024 characters, which is a wrong login, not an outage.
 */
export const LIMITS = { key: 100, title: 200, body: 50_000, comment: 5_000, login: 1024 };

/** A validated note form, or the problems found. */
export interface NoteForm {
  key: string;
  title: string;
  body: string;
  errors: string[];
}

/** Check the fields of the add/edit form. */
export function readNoteForm(form: Record<string, string>): NoteForm {
  const key = (form.notekey ?? '').trim();
  const title = (form.title ?? '').trim();
  const body = (form.body ?? '').replace(/\r\n?/g, '\n');
  const errors: string[] = [];
  if (key === '') errors.push('The key is required.');
  else if (key.length > LIMITS.key)
    errors.push(`The key can have at most ${LIMITS.key} characters.`);
  else if (CONTROL.test(key)) errors.push('The key cannot contain control characters.');
  if (title === '') errors.push('The title is required.');
  else if (title.length > LIMITS.title)
    errors.push(`The title can have at most ${LIMITS.title} characters.`);
  if (body.length > LIMITS.body)
    errors.push(`The text can have at most ${LIMITS.body} characters.`);
  return { key, title, body, errors };
}

/**
 * The local path to return to after login, or `/`. Only same-origin paths pass: resolving
 * against a dummy origin and comparing origins rejects `//evil`, `/\evil`, `https://…` and
 * tab/newline tricks that browsers would normalise into another host.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/')) return '/';
  const base = 'http://notes.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return '/';
  }
  if (url.origin !== base || /^\/(users|auth)\//.test(url.pathname)) return '/';
  return `${url.pathname}${url.search}`;
}

/** URL of a note's page. */
export function viewUrl(key: string): string {
  return `/notes/view?key=${encodeURIComponent(key)}`;
}
