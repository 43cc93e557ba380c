/** `GET /`: the list of note titles — one query. */
import type Router from '@koa/router';
import type { AppDeps } from '../app.ts';

/** Register the home page. */
export function homeRoutes(router: Router, deps: AppDeps): void {
  router.get('/', async (ctx) => {
    // Taken before the query: events after it are replayed to this page's live stream, so a
    // change landing between the query and the stream's start is not lost.
    const cursor = deps.cursor();
    const notes = await deps.store.listNotes();
    deps.views.render(ctx, 'home.eta', { notes, cursor });
  });
}
