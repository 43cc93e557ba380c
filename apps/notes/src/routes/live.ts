/**
 * `GET /notes/events[?key=K][&since=ID]`: the Server-Sent Events stream of the home list (no key)
 * or of one note's page. A reconnecting EventSource sends `Last-Event-ID`; missed events are
 * replayed from the events table, then the client goes live through the hub. When the client is
 * further behind than the table keeps, it gets `resync` and reloads the page.
 */
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { AppDeps } from '../app.ts';
import type { Topic } from '../live/events.ts';
import { send, type LiveClient } from '../live/hub.ts';
import { log } from '../log.ts';
import { queryParam } from './forms.ts';

const MAX_CLIENTS = 5_000;
const REPLAY_LIMIT = 500;

function parseId(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** Register the live-update stream. */
export function liveRoutes(router: Router, deps: AppDeps): void {
  router.get('/notes/events', (ctx) => {
    if (deps.hub.size >= MAX_CLIENTS) ctx.throw(503);
    const key = queryParam(ctx, 'key');
    const topic: Topic = key === undefined ? { kind: 'home' } : { kind: 'note', key };
    const cursor = deps.cursor();
    const from =
      parseId(ctx.get('last-event-id') || undefined) ?? parseId(queryParam(ctx, 'since')) ?? cursor;

    const stream = new PassThrough();
    const client: LiveClient = { topic, sentUpTo: from, queue: [], stream };
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.body = stream;
    stream.write('retry: 2000\n\n');
    deps.hub.add(client);
    ctx.req.once('close', () => {
      deps.hub.remove(client);
      stream.end();
    });

    const replay = async (): Promise<void> => {
      if (from < cursor) {
        const [oldest, missed] = await Promise.all([
          deps.store.oldestEventId(),
          deps.store.eventsAfter(from, REPLAY_LIMIT),
        ]);
        if (oldest === null || oldest > from + 1 || missed.length === REPLAY_LIMIT) {
          client.sentUpTo = Math.max(cursor, missed.at(-1)?.id ?? 0);
          stream.write('event: resync\ndata: {}\n\n');
        } else {
          for (const event of missed) send(client, event);
        }
      }
      deps.hub.flush(client);
    };
    replay().catch((error: unknown) => {
      log.warn('live replay failed', {
        error: error instanceof Error ? error.message : String(error),
      });
      stream.write('event: resync\ndata: {}\n\n');
      deps.hub.flush(client);
    });
  });
}
