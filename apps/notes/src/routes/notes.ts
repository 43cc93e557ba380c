/**
 * Note pages and actions: view (anyone), add / save / edit / destroy (logged in). The URL scheme
 * is fixed by issue 4 — users and links rely on it.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import type { AppDeps } from '../app.ts';
import { DuplicateKeyError } from '../db/store.ts';
import { formOf, LIMITS, queryParam, readNoteForm, viewUrl } from './forms.ts';
import { requireLogin, userOf } from './require-login.ts';

const notFound = (ctx: Koa.Context): never =>
  ctx.throw(404, 'There is no note with this key. It may have been deleted.');

/** Register the note routes. */
export function noteRoutes(router: Router, deps: AppDeps): void {
  const { store, views } = deps;
  const renderForm = (ctx: Koa.Context, locals: Record<string, unknown>, status = 200): void =>
    views.render(ctx, 'note-form.eta', { limits: LIMITS, ...locals }, status);

  router.get('/notes/view', async (ctx) => {
    const key = queryParam(ctx, 'key');
    const cursor = deps.cursor();
    const note = key === undefined ? null : await store.getNote(key);
    if (!note) return notFound(ctx);
    views.render(ctx, 'note-view.eta', { note, cursor });
  });

  router.get('/notes/add', requireLogin, (ctx) => {
    renderForm(ctx, { docreate: 'create', note: { key: '', title: '', body: '' } });
  });

  router.get('/notes/edit', requireLogin, async (ctx) => {
    const key = queryParam(ctx, 'key');
    const note = key === undefined ? null : await store.getNote(key);
    if (!note) return notFound(ctx);
    renderForm(ctx, { docreate: 'update', note });
  });

  router.post('/notes/save', requireLogin, async (ctx) => {
    const user = userOf(ctx);
    const form = formOf(ctx);
    const docreate = form.docreate;
    if (docreate !== 'create' && docreate !== 'update') ctx.throw(400, 'Unknown form action.');
    const input = readNoteForm(form);
    const note = { key: input.key, title: input.title, body: input.body };
    if (input.errors.length > 0)
      return renderForm(ctx, { docreate, note, errors: input.errors }, 422);
    if (docreate === 'create') {
      try {
        await store.createNote({ ...note, author: user.username, authorName: user.displayName });
      } catch (error) {
        if (!(error instanceof DuplicateKeyError)) throw error;
        const message = `A note with the key "${input.key}" already exists. Choose another key.`;
        return renderForm(ctx, { docreate, note, errors: [message] }, 409);
      }
    } else if (!(await store.updateNote(note))) {
      return notFound(ctx);
    }
    ctx.redirect(viewUrl(input.key));
  });

  router.get('/notes/destroy', requireLogin, async (ctx) => {
    const key = queryParam(ctx, 'key');
    const note = key === undefined ? null : await store.getNote(key);
    if (!note) return notFound(ctx);
    views.render(ctx, 'note-destroy.eta', { note });
  });

  router.post('/notes/destroy/confirm', requireLogin, async (ctx) => {
    const key = formOf(ctx).notekey ?? '';
    if (!(await store.destroyNote(key))) return notFound(ctx);
    ctx.redirect('/');
  });
}
