/**
 * One place that turns errors into pages. 4xx errors show their (deliberately written) message;
 * 5xx errors show a fixed sentence — the stack and any SQL go to the log only.
 */
import type Koa from 'koa';
import { log } from './log.ts';
import type { Views } from './views.ts';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  403: 'Forbidden',
  404: 'Page not found',
  405: 'Method not allowed',
  413: 'Too large',
  415: 'Unsupported content',
  503: 'Temporarily unavailable',
};

interface HttpishError {
  status?: number;
  expose?: boolean;
  message?: string;
}

/** Catch everything below and render the 404 / 4xx / 500 pages. */
export function errorPages(views: Views): Koa.Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null)
        ctx.throw(404, 'There is no page at this address.');
    } catch (caught) {
      const error = (caught ?? {}) as HttpishError;
      const status =
        typeof error.status === 'number' && error.status >= 400 && error.status < 600
          ? error.status
          : 500;
      if (status >= 500 && status !== 503) {
        log.error('request failed', {
          method: ctx.method,
          path: ctx.path,
          error: caught instanceof Error ? caught.stack : String(caught),
        });
      }
      if (ctx.headerSent || !ctx.writable) return;
      const message =
        status < 500 && error.expose === true && error.message
          ? error.message
          : status === 503
            ? 'The service is starting or one of its parts is not answering. Try again in a moment.'
            : 'Something went wrong on our side. It has been logged; please try again.';
      // Drop headers an inner middleware set for a response that will not happen.
      ctx.remove('Location');
      ctx.remove('Content-Disposition');
      const title = TITLES[status] ?? (status >= 500 ? 'Server error' : 'Error');
      try {
        views.render(ctx, 'error.eta', { status, title, message }, status);
      } catch {
        // The page itself failed (e.g. a broken template): plain text, still no internals.
        ctx.status = status;
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = `${title}\n`;
      }
    }
  };
}
