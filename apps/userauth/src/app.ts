/**
 * createApp(deps) builds the Koa application without listening, so tests drive
 * `app.callback()` with no port and server.ts owns the socket and the process.
 */
import { bodyParser } from '@koa/bodyparser';
import Koa, { type Context, type Next } from 'koa';
import { basicAuth } from './basic-auth.ts';
import { HttpError } from './errors.ts';
import type { Logger } from './log.ts';
import { createCheckLimiter, type CheckLimiter } from './rate-limit.ts';
import { createRouter, type RouteState } from './routes.ts';
import type { UserStore } from './users.ts';

/** What the app needs from the outside world. */
export interface AppDeps {
  apiUser: string;
  apiKey: string;
  /** The store once the database is connected and migrated; undefined while starting. */
  getUsers(): UserStore | undefined;
  log: Logger;
  /** Request body limit for JSON and forms (default 64kb). */
  bodyLimit?: string;
  /** Rate limit of /passwordCheck (default: rate-limit.ts's DEFAULT_CHECK_LIMITS). */
  checkLimiter?: CheckLimiter;
}

const HEALTH_TIMEOUT_MS = 2_000;

interface ExposedError {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** Ours, or a 4xx from Koa's ecosystem (http-errors) marked safe to show. */
function isExposed(err: unknown): err is ExposedError {
  if (err instanceof HttpError) return true;
  const e = err as { status?: unknown; expose?: unknown };
  return typeof e.status === 'number' && e.status < 500 && e.expose === true;
}

/**
 * Loggable details of an internal error. Sequelize inlines replacement values into the SQL text,
 * and MariaDB quotes that text in syntax errors ("... near '<sql>'"), so database errors are
 * logged by driver code and the message up to any quoted SQL; the stack is kept only for
 * errors that are not from the database.
 */
export function describeInternalError(e: Error & { sql?: unknown; parent?: { code?: unknown } }) {
  if (typeof e.sql !== 'string') return { message: e.message, stack: e.stack };
  const code = typeof e.parent?.code === 'string' ? e.parent.code : undefined;
  return {
    code,
    message: e.message.split(/ near '|: (?=SELECT|INSERT|UPDATE|DELETE)/i)[0]?.slice(0, 200),
  };
}

/** Build the application: logging, errors, /health, auth, body parsing, routes, 404. */
export function createApp(deps: AppDeps): Koa<RouteState> {
  const app = new Koa<RouteState>();
  const { log } = deps;

  // Outermost: one structured line per request, after the error handler has set the status.
  app.use(async (ctx: Context, next: Next) => {
    const start = performance.now();
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - start) * 10) / 10;
      log.info('request', { method: ctx.method, path: ctx.path, status: ctx.status, ms });
    }
  });

  app.use(async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      if (isExposed(err)) {
        ctx.status = err.status;
        ctx.body = { error: err.message };
        if (err.headers) ctx.set(err.headers);
        return;
      }
      // Internal errors: details go to the log (never the SQL or its parameters), not the client.
      const e = err as Error & { status?: unknown };
      log.error('request failed', {
        method: ctx.method,
        path: ctx.path,
        error: e.name,
        ...describeInternalError(e),
      });
      ctx.status =
        typeof e.status === 'number' && e.status >= 500 && e.status < 600 ? e.status : 500;
      ctx.body = { error: 'internal server error' };
    }
  });

  app.use(async (ctx: Context, next: Next) => {
    if (ctx.path !== '/health') {
      await next();
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD')
      throw new HttpError(405, 'method not allowed');
    const users = deps.getUsers();
    let healthy = false;
    if (users) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('health check timed out')), HEALTH_TIMEOUT_MS);
      });
      healthy = await Promise.race([users.ping(), timeout]).then(
        () => true,
        () => false,
      );
      clearTimeout(timer);
    }
    ctx.status = healthy ? 200 : 503;
    ctx.body = { status: healthy ? 'ok' : users ? 'database unavailable' : 'starting' };
  });

  app.use(basicAuth(deps.apiUser, deps.apiKey));

  app.use(async (ctx: Koa.ParameterizedContext<RouteState>, next: Next) => {
    const users = deps.getUsers();
    if (!users) throw new HttpError(503, 'service is starting; try again shortly');
    ctx.state.users = users;
    await next();
  });

  const limit = deps.bodyLimit ?? '64kb';
  app.use(
    bodyParser({
      enableTypes: ['json', 'form'],
      jsonLimit: limit,
      formLimit: limit,
      onError(err) {
        // co-body's messages may quote the body; send a fixed text instead.
        const status = (err as { status?: number }).status;
        if (status === 413) throw new HttpError(413, `request body larger than ${limit}`);
        if (status === 415) throw new HttpError(415, 'unsupported content encoding');
        throw new HttpError(400, 'request body is not valid JSON or form data');
      },
    }),
  );

  // Unknown paths become a JSON 404 after the router had its say (a known path with another
  // method gets 405 from allowedMethods instead).
  app.use(async (ctx: Context, next: Next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new HttpError(404, 'not found');
  });
  const router = createRouter({ checkLimiter: deps.checkLimiter ?? createCheckLimiter(), log });
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));

  app.on('error', (err: Error) =>
    log.error('server error', { error: err.name, message: err.message }),
  );
  return app;
}
