/**
 * Server-rendered pages with eta, autoEscape ON: every `<%= value %>` is HTML-escaped, so a note
 * titled `<script>` is shown as text (`<%~ %>` is used only for the layout body and partials,
 * which are themselves escaped templates). Templates compile once to JS functions and stay
 * cached — eta renders the 100-note home page about ten times faster than nunjucks did, which the
 * benchmark target needs.
 */
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type Koa from 'koa';
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
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** `12 Jan 2026, 10:00 UTC` (the same format live.js uses). */
export function formatDate(value: string | Date): string {
  return `${dateFormat.format(new Date(value))} UTC`;
}

/** Build the template engine once per app. */
export function createViews(assets: Assets): Views {
  const eta = new Eta({
    views: VIEWS_DIR,
    autoEscape: true,
    cache: true,
    defaultExtension: '.eta',
  });
  const asset = (name: string): string => assets.url(name);
  return {
    render(ctx, template, locals = {}, status = 200) {
      const html = eta.render(template.replace(/\.eta$/, ''), {
        user: currentUser(ctx),
        // A function, so only pages that really render a form create a session token.
        csrf: () => csrfToken(ctx),
        asset,
        datetime: formatDate,
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
  };
}
