/**
 * The Koa application, separate from listen() so tests drive it without a port (koa's own
 * split). Middleware order: error pages → security headers → static files → readiness gate →
 * session → body parser (with limits) → CSRF → routes.
 */
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import type { Config } from './config.ts';
import type { Store } from './db/store.ts';
import { errorPages } from './error-pages.ts';
import type { LiveHub } from './live/hub.ts';
import { healthRoutes } from './routes/health.ts';
import { homeRoutes } from './routes/home.ts';
import { liveRoutes } from './routes/live.ts';
import { noteRoutes } from './routes/notes.ts';
import { commentRoutes } from './routes/comments.ts';
import { userRoutes } from './routes/users.ts';
import { providerLoginRoutes } from './routes/provider-login.ts';
import type { LoginProvider } from './login/providers.ts';
import { csrfProtection } from './security/csrf.ts';
import { securityHeaders } from './security/headers.ts';
import { sessionMiddleware, type Revocations } from './session.ts';
import type { Assets } from './static.ts';
import type { UserauthClient } from './userauth-client.ts';
import type { Views } from './views.ts';

/** Whether the database is connected and migrated (until then pages answer 503). */
export interface Readiness {
  ready: boolean;
  stopping: boolean;
}

/** Everything the routes need, built by boot.ts (or a test). */
export interface AppDeps {
  config: Config;
  store: Store;
  userauth: UserauthClient;
  hub: LiveHub;
  /** The id of the newest event this replica has delivered. */
  cursor: () => number;
  revocations: Revocations;
  readiness: Readiness;
  views: Views;
  assets: Assets;
  /** "Log in with …" providers (issue 22); empty when none is configured. */
  loginProviders: LoginProvider[];
}

/**
 * A body that cannot be read is the client's fault, whatever the reason: zlib's errors for a
 * corrupt gzip/deflate/br body carry no status (they became 500s, found by the issue 7 fuzz
 * run), and co-body's own messages may quote the body. So: its 413/415, else 400, fixed words.
 */
function unreadableBody(error: Error, ctx: Koa.Context): never {
  const status = (error as { status?: unknown }).status;
  if (status === 413) ctx.throw(413, 'The request is too large.');
  if (status === 415) ctx.throw(415, 'This kind of request body is not supported.');
  ctx.throw(400, 'The request body could not be read.');
}

/** Build the Koa app. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa({ proxy: false });
  // Errors are logged once, by errorPages; Koa's default stderr printer would duplicate them.
  app.silent = true;
  const https = deps.config.publicUrl.startsWith('https:');

  app.use(errorPages(deps.views));
  app.use(securityHeaders({ https }));
  app.use(deps.assets.middleware());
  app.use(async (ctx, next) => {
    if (!deps.readiness.ready && ctx.path !== '/health') ctx.throw(503);
    await next();
  });
  app.use(
    sessionMiddleware(app, {
      secret: deps.config.sessionSecret,
      secure: https,
      revocations: deps.revocations,
    }),
  );
  app.use(
    bodyParser({
      enableTypes: ['form', 'json'],
      formLimit: '1mb',
      jsonLimit: '64kb',
      onError: unreadableBody,
    }),
  );
  app.use(csrfProtection());

  const router = new Router();
  healthRoutes(router, deps);
  homeRoutes(router, deps);
  liveRoutes(router, deps);
  noteRoutes(router, deps);
  commentRoutes(router, deps);
  userRoutes(router, deps);
  providerLoginRoutes(router, deps, deps.loginProviders);
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));
  return app;
}
