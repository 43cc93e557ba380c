/**
 * The scale-out half of live updates. Each replica polls the shared `events` table with ONE
 * indexed range query (`id > lastSeen`) every `intervalMs` — per replica, not per client — and
 * hands new events to its in-process hub, which fans them out to that replica's SSE clients.
 *
 * Why the database and not a pub/sub server: the notes database is already shared by every
 * replica, writes are rare, and writing the event in the same transaction as the change means an
 * update is delivered exactly when (and only if) the change commits. Writers queue on the
 * event_clock row lock (see db/store.ts), so ids commit in order and `id > lastSeen` never skips.
 * A 300 ms poll costs one cheap query per replica; a local write kicks the poller at once.
 */
import { log } from '../log.ts';
import type { ChangeEvent } from './events.ts';

/** What the poller reads from. */
export interface EventSource {
  latestEventId(): Promise<number>;
  eventsAfter(id: number, limit: number): Promise<ChangeEvent[]>;
  prune(retentionMs: number): Promise<void>;
}

/** Poller settings. */
export interface PollerOptions {
  intervalMs?: number;
  /** How long events stay for reconnecting clients (Last-Event-ID). */
  retentionMs?: number;
  pruneEveryMs?: number;
}

const BATCH = 500;

/** Polls for events and passes each one, in id order, to `deliver`. */
export class EventPoller {
  readonly #source: EventSource;
  readonly #deliver: (event: ChangeEvent) => void;
  readonly #intervalMs: number;
  readonly #retentionMs: number;
  readonly #pruneEveryMs: number;
  #lastSeen = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #kicked = false;
  #stopped = true;
  #lastPrune = 0;

  constructor(
    source: EventSource,
    deliver: (event: ChangeEvent) => void,
    options: PollerOptions = {},
  ) {
    this.#source = source;
    this.#deliver = deliver;
    this.#intervalMs = options.intervalMs ?? 300;
    this.#retentionMs = options.retentionMs ?? 60 * 60_000;
    this.#pruneEveryMs = options.pruneEveryMs ?? 60_000;
  }

  /** The id of the newest event delivered; pages embed it so their stream starts after it. */
  get cursor(): number {
    return this.#lastSeen;
  }

  /** Start after the newest existing event. */
  async start(): Promise<void> {
    this.#lastSeen = await this.#source.latestEventId();
    this.#lastPrune = Date.now();
    this.#stopped = false;
    this.#schedule(this.#intervalMs);
  }

  /** Poll now (after a local write) instead of waiting for the next tick. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#kicked = true;
      return;
    }
    this.#schedule(0);
  }

  /** Stop polling and wait for a poll in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().finally(() => {
        this.#running = undefined;
        if (this.#stopped) return;
        const again = this.#kicked;
        this.#kicked = false;
        this.#schedule(again ? 0 : this.#intervalMs);
      });
    }, delay);
  }

  async #tick(): Promise<void> {
    try {
      for (;;) {
        const events = await this.#source.eventsAfter(this.#lastSeen, BATCH);
        for (const event of events) {
          this.#lastSeen = event.id;
          this.#deliver(event);
        }
        if (events.length < BATCH || this.#stopped) break;
      }
      if (Date.now() - this.#lastPrune > this.#pruneEveryMs) {
        this.#lastPrune = Date.now();
        await this.#source.prune(this.#retentionMs);
      }
    } catch (error) {
      // The database may be restarting: keep the cursor and try again on the next tick.
      log.warn('event poll failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
