/**
 * Pages for logged-in users only. Anonymous GETs go to the login page and come back afterwards
 * (`returnTo`, checked to be a local path when used); other methods cannot be replayed, so they
 * land on the login page plain.
 */
import type Koa from 'koa';
import { currentUser, type SessionUser } from '../session.ts';

/** Middleware: continue only when logged in. */
export const requireLogin: Koa.Middleware = async (ctx, next) => {
  if (currentUser(ctx)) {
    await next();
    return;
  }
  ctx.redirect(
    ctx.method === 'GET'
      ? `/users/login?returnTo=${encodeURIComponent(ctx.originalUrl)}`
      : '/users/login',
  );
};

/** The logged-in user of a request that passed requireLogin. */
export function userOf(ctx: Koa.Context): SessionUser {
  const user = currentUser(ctx);
  if (!user) ctx.throw(401);
  return user;
}
