/**
 * Sessions are signed cookies (koa-session, HMAC-SHA256 keyed with SESSION_SECRET): no server-side
 * store, so they survive restarts and work on every replica without a database read per request.
 * The logged-in user ({username, displayName}) lives in the cookie, fetched from userauth once at
 * login. Logout is real: the session id is revoked in the database (and, through the events
 * table, in every replica's in-memory set), so a copied cookie stops working too.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Koa from 'koa';
import session from 'koa-session';
import { CookieSigner } from './cookie-signer.ts';

/** The user as cached in the session. */
export interface SessionUser {
  username: string;
  displayName: string;
}

/** A provider login between its start and its callback (issue 22). */
export interface PendingLogin {
  provider: 'x' | 'oidc';
  state: string;
  verifier: string;
  nonce?: string;
  /** A local path (safeReturnTo), where the login returns. */
  returnTo: string;
  expiresAt: number;
}

/** What this app keeps in a session. */
export interface SessionData {
  sid?: string;
  csrf?: string;
  user?: SessionUser;
  /** Only while a provider login is under way. */
  pending?: PendingLogin;
  _expire?: number;
}

/** Session ids that were logged out, until they would have expired anyway. */
export class Revocations {
  readonly #revoked = new Map<string, number>();

  /** Refuse `sid` until `expiresAt`. */
  add(sid: string, expiresAt: Date): void {
    this.#revoked.set(sid, expiresAt.getTime());
    if (this.#revoked.size % 1024 === 0) this.#sweep();
  }

  /** Is `sid` revoked? */
  has(sid: string): boolean {
    return this.#revoked.has(sid);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [sid, expires] of this.#revoked) if (expires < now) this.#revoked.delete(sid);
  }
}

/** How long a login lasts. */
export const SESSION_MAX_AGE_MS = 7 * 24 * 60 * 60_000;

/** Install the session middleware on `app`. */
export function sessionMiddleware(
  app: Koa,
  options: { secret: string; secure: boolean; revocations: Revocations },
): Koa.Middleware {
  // Koa accepts a Keygrip-shaped object; `cookies` only calls sign / verify / index.
  app.keys = new CookieSigner(options.secret);
  return session(
    {
      key: 'notes.sid',
      maxAge: SESSION_MAX_AGE_MS,
      httpOnly: true,
      signed: true,
      sameSite: 'lax',
      secure: options.secure,
      renew: true,
      valid: (_ctx, data) => {
        const sid = (data as SessionData).sid;
        return sid === undefined || !options.revocations.has(sid);
      },
    },
    app,
  );
}

/** Random token, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** koa-session 7 does not type `ctx.session`; this is the view of it this app relies on. */
interface WithSession {
  session: SessionData | null;
}

function data(ctx: Koa.Context): SessionData {
  return (ctx as unknown as WithSession).session ?? {};
}

/** The logged-in user, or undefined. Reads only the cookie. */
export function currentUser(ctx: Koa.Context): SessionUser | undefined {
  // Anonymous requests without a cookie skip koa-session's parsing entirely.
  if (ctx.cookies.get('notes.sid') === undefined) return undefined;
  return data(ctx).user;
}

/** The session's CSRF token, created on first use (so anonymous pages without forms set no cookie). */
export function csrfToken(ctx: Koa.Context): string {
  const current = data(ctx);
  if (current.csrf) return current.csrf;
  current.csrf = randomToken();
  current.sid ??= randomToken(16);
  return current.csrf;
}

/** Does `candidate` match the session's CSRF token? (constant time) */
export function csrfMatches(ctx: Koa.Context, candidate: unknown): boolean {
  const expected = data(ctx).csrf;
  if (typeof candidate !== 'string' || expected === undefined) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Replace the session after login: new id and token (no fixation), user cached. */
export function startLoggedInSession(ctx: Koa.Context, user: SessionUser): void {
  (ctx as unknown as WithSession).session = { sid: randomToken(16), csrf: randomToken(), user };
}

/** Remember a provider login's checks (a new one replaces any earlier one). */
export function startPendingLogin(ctx: Koa.Context, pending: PendingLogin): void {
  const current = data(ctx);
  current.sid ??= randomToken(16);
  current.pending = pending;
}

/** The pending provider login, removed from the session (so it can be used once only). */
export function takePendingLogin(ctx: Koa.Context): PendingLogin | undefined {
  if (ctx.cookies.get('notes.sid') === undefined) return undefined;
  const current = data(ctx);
  const pending = current.pending;
  if (pending) delete current.pending;
  return pending;
}

/** Forget any pending provider login. */
export function clearPendingLogin(ctx: Koa.Context): void {
  const current = (ctx as unknown as WithSession).session;
  if (current?.pending) delete current.pending;
}

/** The session id and its expiry, for revocation at logout. */
export function sessionIdentity(ctx: Koa.Context): { sid: string; expiresAt: Date } | undefined {
  const current = data(ctx);
  if (!current.sid) return undefined;
  return {
    sid: current.sid,
    expiresAt: new Date(current._expire ?? Date.now() + SESSION_MAX_AGE_MS),
  };
}

/** Drop the session cookie. */
export function endSession(ctx: Koa.Context): void {
  (ctx as unknown as WithSession).session = null;
}
