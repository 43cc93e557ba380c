/** Read a Server-Sent Events stream in a test: collect frames, wait for one with a deadline. */

/** One received event. */
export interface SseEvent {
  id: string | undefined;
  event: string;
  data: unknown;
}

/** An open stream. */
export interface SseStream {
  events: SseEvent[];
  /** Wait until an event matches (or throw after `timeoutMs`). */
  waitFor(match: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/** Open `url` as an event stream (optionally with Last-Event-ID or a cookie). */
export async function openSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (response.status !== 200 || !response.body)
    throw new Error(`SSE ${url}: HTTP ${response.status}`);
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          if (fields.event === undefined && fields.data === undefined) continue;
          events.push({
            id: fields.id,
            event: fields.event ?? 'message',
            data: fields.data === undefined ? undefined : (JSON.parse(fields.data) as unknown),
          });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      for (const wake of waiters) wake();
    }
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    events,
    ended,
    close: () => controller.abort(),
    async waitFor(match, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        if (finished)
          throw new Error(`stream ended without the event; got ${JSON.stringify(events)}`);
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(
            `no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`,
          );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          const wake = (): void => {
            clearTimeout(timer);
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
        });
      }
    },
  };
}
