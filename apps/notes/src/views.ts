/**
 * Server-rendered pages with nunjucks, autoescape ON: every `{{ value }}` is HTML-escaped, so a
 * note titled `<script>` is shown as text. Templates compile once and stay cached.
 */
import { fileURLToPath } from 'node:url';
import type Koa from 'koa';
import nunjucks from 'nunjucks';
import type { Assets } from './static.ts';
import { csrfToken, currentUser } from './session.ts';

/** Where the templates live (beside src/ and dist/, so both run unchanged). */
export const VIEWS_DIR = fileURLToPath(new URL('../views/', import.meta.url));

/** Renders templates into Koa responses. */
export interface Views {
  render(
    ctx: Koa.Context,
    template: string,
    locals?: Record<string, unknown>,
    status?: number,
  ): void;
  renderString(template: string, locals: Record<string, unknown>): string;
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** Build the template environment once per app. */
export function createViews(assets: Assets): Views {
  const env = new nunjucks.Environment(
    new nunjucks.FileSystemLoader(VIEWS_DIR, { noCache: false }),
    {
      autoescape: true,
      throwOnUndefined: false,
    },
  );
  env.addFilter('datetime', (value: string | Date) => `${dateFormat.format(new Date(value))} UTC`);
  env.addGlobal('asset', (name: string) => assets.url(name));
  return {
    render(ctx, template, locals = {}, status = 200) {
      const html = env.render(template, {
        user: currentUser(ctx),
        // A function, so only pages that really render a form create a session token.
        csrf: () => csrfToken(ctx),
        path: ctx.path,
        here: ctx.originalUrl,
        ...locals,
      });
      ctx.status = status;
      ctx.type = 'text/html; charset=utf-8';
      // Pages can carry a user's name and form tokens: never store them in shared caches.
      ctx.set('Cache-Control', 'no-store');
      ctx.body = html;
    },
    renderString(template, locals) {
      return env.render(template, locals);
    },
  };
}
