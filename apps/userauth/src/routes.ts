/**
 * The REST contract (issue 3): paths and shapes kept from the old service so existing clients
 * work unchanged.
 */
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { notFound } from './errors.ts';
import type { Logger } from './log.ts';
import type { CheckLimiter } from './rate-limit.ts';
import {
  createUserSchema,
  findOrCreateSchema,
  normalizeFormArrays,
  parseInput,
  passwordCheckSchema,
  updateUserSchema,
} from './user-input.ts';
import type { UserStore } from './users.ts';

/** Same reply for an unknown user and a wrong password, so the API cannot enumerate users. */
export const CHECK_FAILED_MESSAGE = 'Incorrect username or password';

/** State the app puts on ctx.state before the routes run. */
export interface RouteState {
  users: UserStore;
}

function body(ctx: Context): unknown {
  const raw = ctx.request.body;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  return ctx.request.is('urlencoded') ? normalizeFormArrays(raw as Record<string, unknown>) : raw;
}

/** What the routes need besides the store. */
export interface RouterDeps {
  checkLimiter: CheckLimiter;
  log: Logger;
}

/** The router with every contract route. */
export function createRouter(deps: RouterDeps): Router<RouteState> {
  const router = new Router<RouteState>();

  router.post('/create-user', async (ctx) => {
    const input = parseInput(createUserSchema, body(ctx));
    ctx.status = 201;
    ctx.body = await ctx.state.users.create(input);
  });

  router.post('/update-user/:username', async (ctx) => {
    const input = parseInput(updateUserSchema, body(ctx));
    const user = await ctx.state.users.update(ctx.params.username ?? '', input);
    if (!user) throw notFound('user');
    ctx.body = user;
  });

  router.post('/find-or-create', async (ctx) => {
    const input = parseInput(findOrCreateSchema, body(ctx));
    ctx.body = (await ctx.state.users.findOrCreate(input)).user;
  });

  router.get('/find/:username', async (ctx) => {
    const user = await ctx.state.users.find(ctx.params.username ?? '');
    if (!user) throw notFound('user');
    ctx.body = user;
  });

  router.delete('/destroy/:username', async (ctx) => {
    if (!(await ctx.state.users.destroy(ctx.params.username ?? ''))) throw notFound('user');
    ctx.body = {};
  });

  router.post(['/passwordCheck', '/password-check'], async (ctx) => {
    const { username, password } = parseInput(passwordCheckSchema, body(ctx));
    // ctx.ip is the socket's peer (app.proxy is off: no caller can choose it with a header).
    const reservation = deps.checkLimiter.reserve(ctx.ip, username);
    if (!reservation.allowed) {
      // The source address only: a "username" may be a password typed into the wrong field.
      deps.log.warn('password checks rate-limited', {
        source: ctx.ip,
        limitedBy: reservation.limitedBy,
        retryAfterS: reservation.retryAfterS,
      });
      ctx.status = 429;
      ctx.set('Retry-After', String(reservation.retryAfterS));
      ctx.body = {
        error: `too many password checks; retry in ${reservation.retryAfterS} s`,
        retryAfter: reservation.retryAfterS,
      };
      return;
    }
    let check: boolean;
    try {
      check = await ctx.state.users.checkPassword(username, password);
    } catch (err) {
      reservation.refund(); // a database outage is not a failed guess
      throw err;
    }
    if (check) reservation.refund();
    ctx.body = check ? { check, username } : { check, username, message: CHECK_FAILED_MESSAGE };
  });

  router.get('/list', async (ctx) => {
    ctx.body = await ctx.state.users.list();
  });

  return router;
}
