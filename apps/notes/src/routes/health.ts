/** `GET /health`: 200 when the database and userauth answer, 503 otherwise (no details leak). */
import type Router from '@koa/router';
import type { AppDeps } from '../app.ts';

const within = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref()),
  ]);

/** Register the health endpoint. */
export function healthRoutes(router: Router, deps: AppDeps): void {
  router.get('/health', async (ctx) => {
    const ready = deps.readiness.ready && !deps.readiness.stopping;
    const [database, userauth] = await Promise.all([
      ready
        ? within(deps.store.ping(), 2_000).then(
            () => true,
            () => false,
          )
        : Promise.resolve(false),
      within(deps.userauth.healthy(), 2_000).catch(() => false),
    ]);
    const ok = database && userauth;
    ctx.status = ok ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: ok ? 'ok' : 'unavailable', database, userauth };
  });
}
