/**
 * CSRF protection for every state-changing request: the form's `_csrf` field (or an
 * `x-csrf-token` header) must equal the token bound to the signed session cookie. Cookies are
 * also SameSite=Lax, so this is the second of two walls.
 */
import type Koa from 'koa';
import { csrfMatches } from '../session.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Reject unsafe requests without the session's token with 403. Runs after the body parser. */
export function csrfProtection(): Koa.Middleware {
  return async (ctx, next) => {
    if (!SAFE.has(ctx.method)) {
      const body = ctx.request.body as Record<string, unknown> | undefined;
      const candidate = body?._csrf ?? ctx.get('x-csrf-token');
      if (!csrfMatches(ctx, candidate)) {
        ctx.throw(
          403,
          'This form has expired or did not come from this site. Go back, reload the page and try again.',
        );
      }
    }
    await next();
  };
}
