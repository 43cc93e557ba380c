/**
 * Comments: add (any logged-in user) and delete (its author only: the table in issue 4 says
 * "logged in", and a comment is its author's words, so others get 403).
 */
import type Router from '@koa/router';
import type { AppDeps } from '../app.ts';
import { formOf, LIMITS, viewUrl } from './forms.ts';
import { requireLogin, userOf } from './require-login.ts';

/** Register the comment routes. */
export function commentRoutes(router: Router, deps: AppDeps): void {
  const { store } = deps;

  router.post('/notes/make-comment', requireLogin, async (ctx) => {
    const user = userOf(ctx);
    const form = formOf(ctx);
    const key = form.notekey ?? '';
    const body = (form.message ?? '').replace(/\r\n?/g, '\n').trim();
    if (body === '' || body.length > LIMITS.comment) {
      ctx.throw(400, `A comment needs between 1 and ${LIMITS.comment} characters.`);
    }
    const comment = await store.addComment({
      key,
      author: user.username,
      authorName: user.displayName,
      body,
    });
    if (!comment)
      return ctx.throw(404, 'There is no note with this key. It may have been deleted.');
    ctx.redirect(`${viewUrl(key)}#comment-${comment.id}`);
  });

  router.post('/notes/del-message', requireLogin, async (ctx) => {
    const user = userOf(ctx);
    const id = Number(formOf(ctx).id);
    if (!Number.isSafeInteger(id) || id <= 0) ctx.throw(400, 'Unknown comment.');
    const result = await store.deleteComment(id, user.username);
    if (result === 'missing') return ctx.throw(404, 'This comment does not exist any more.');
    if (result === 'forbidden')
      return ctx.throw(403, 'Only the author of a comment can delete it.');
    ctx.redirect(`${viewUrl(result.key)}#comments`);
  });
}
