/**
 * In-process fan-out from the poller to this replica's SSE clients. Each client watches one topic
 * and gets only the projection of each event that its topic may see (events.ts).
 */
import type { Writable } from 'node:stream';
import { projectEvent, type ChangeEvent, type Outgoing, type Topic } from './events.ts';

/** One connected EventSource. */
export interface LiveClient {
  topic: Topic;
  /** Events with ids up to this one were already sent (replay), so skip them. */
  sentUpTo: number;
  /** While replaying from the database, live events wait here. */
  queue: ChangeEvent[] | null;
  stream: Writable;
}

/** Encode one Server-Sent Event frame. JSON never contains raw newlines, so one data line. */
export function frame(out: Outgoing): string {
  return `id: ${out.id}\nevent: ${out.event}\ndata: ${JSON.stringify(out.data)}\n\n`;
}

/** The set of live clients of this replica. */
export class LiveHub {
  readonly #clients = new Set<LiveClient>();
  readonly #keepAlive: NodeJS.Timeout;

  constructor(keepAliveMs = 20_000) {
    // One timer for all clients: a comment line keeps idle proxies from closing the stream.
    this.#keepAlive = setInterval(() => {
      for (const client of this.#clients) client.stream.write(': ping\n\n');
    }, keepAliveMs);
    this.#keepAlive.unref();
  }

  /** Number of connected clients. */
  get size(): number {
    return this.#clients.size;
  }

  /** Register a client (its queue collects events until `flush`). */
  add(client: LiveClient): void {
    this.#clients.add(client);
  }

  /** Forget a client (its connection closed). */
  remove(client: LiveClient): void {
    this.#clients.delete(client);
  }

  /** Deliver one event to every client that may see it. */
  publish(event: ChangeEvent): void {
    for (const client of this.#clients) {
      if (client.queue) client.queue.push(event);
      else send(client, event);
    }
  }

  /** End the replay phase of a client: send what queued meanwhile, then go live. */
  flush(client: LiveClient): void {
    const queued = client.queue ?? [];
    client.queue = null;
    for (const event of queued) send(client, event);
  }

  /** End every stream (shutdown); browsers reconnect to another replica. */
  closeAll(): void {
    clearInterval(this.#keepAlive);
    for (const client of this.#clients) client.stream.end();
    this.#clients.clear();
  }
}

/** Write `event` to `client` if its topic may see it and it was not sent yet. */
export function send(client: LiveClient, event: ChangeEvent): void {
  if (event.id <= client.sentUpTo) return;
  client.sentUpTo = event.id;
  const out = projectEvent(event, client.topic);
  if (out) client.stream.write(frame(out));
}
