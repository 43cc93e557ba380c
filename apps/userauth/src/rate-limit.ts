/**
 * Rate limit of POST /passwordCheck (issue 7): online password guessing must be slow. Two token
 * buckets are charged for every check: one keyed by the caller's address and one keyed by the
 * username being guessed.
 *
 * - By address, because that is who is asking. But in the Notes stack the only caller is the
 *   notes app, so every login of every user arrives from one address: a limit by address alone
 *   would either be loose enough to allow guessing or throttle everyone's logins.
 * - So also by username: whoever asks and from wherever (notes relays the browser's guesses),
 *   one account gets a few guesses per minute.
 *
 * A check reserves a token from both buckets before the (expensive) scrypt runs — so a burst of
 * concurrent guesses cannot all slip through — and a successful check gives them back: people
 * who type their password right are never counted, only failures are. Memory is bounded: at
 * most `maxKeys` buckets per family, the ones that have refilled (i.e. forgotten) dropped first.
 */

/** One family of buckets: `burst` checks at once, then `perMinute` more each minute. */
export interface BucketLimit {
  burst: number;
  perMinute: number;
}

/** The limits of /passwordCheck. */
export interface CheckLimits {
  perSource: BucketLimit;
  perUsername: BucketLimit;
  /** Most buckets kept per family (default 10 000). */
  maxKeys?: number;
}

/**
 * Defaults: 10 failed checks in a row per username, then one every 10 s (6 a minute, 8 640 a
 * day at most); per source address 60 in a row, then 2 a second — above what scrypt lets one
 * userauth process answer for long (≈20-25 checks/s on 2 cores), below what a password spray
 * across many usernames would need.
 */
export const DEFAULT_CHECK_LIMITS: CheckLimits = {
  perSource: { burst: 60, perMinute: 120 },
  perUsername: { burst: 10, perMinute: 6 },
};

/** Longest key kept: usernames are at most 64 characters; longer input is cut, not stored. */
const MAX_KEY_LENGTH = 128;

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets of one family, keyed by string. */
class Buckets {
  readonly #limit: BucketLimit;
  readonly #maxKeys: number;
  readonly #entries = new Map<string, Bucket>();

  constructor(limit: BucketLimit, maxKeys: number) {
    this.#limit = limit;
    this.#maxKeys = maxKeys;
  }

  /** Tokens of `key` at time `now` (refilled, capped at burst). */
  level(key: string, now: number): number {
    const bucket = this.#entries.get(key);
    if (!bucket) return this.#limit.burst;
    const refill = ((now - bucket.at) / 60_000) * this.#limit.perMinute;
    return Math.min(this.#limit.burst, bucket.tokens + refill);
  }

  /** Milliseconds until `key` has one whole token (0 when it has one now). */
  waitMs(key: string, now: number): number {
    const level = this.level(key, now);
    if (level >= 1) return 0;
    return Math.ceil(((1 - level) / this.#limit.perMinute) * 60_000);
  }

  /** Add `delta` tokens to `key` (negative to take). */
  add(key: string, delta: number, now: number): void {
    const tokens = Math.min(this.#limit.burst, this.level(key, now) + delta);
    this.#entries.delete(key);
    if (tokens >= this.#limit.burst) return; // a full bucket is the same as none
    if (this.#entries.size >= this.#maxKeys) this.#evict(now);
    // Re-inserted last: the map's order is least recently charged first.
    this.#entries.set(key, { tokens, at: now });
  }

  /** Drop refilled buckets; if none, the least recently charged one. */
  #evict(now: number): void {
    for (const [key] of this.#entries) {
      if (this.level(key, now) >= this.#limit.burst) this.#entries.delete(key);
    }
    if (this.#entries.size >= this.#maxKeys) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}

/** The outcome of asking for one password check. */
export type Reservation =
  | { allowed: true; /** Give the tokens back (the check succeeded). */ refund(): void }
  | { allowed: false; retryAfterS: number; limitedBy: 'source' | 'username' };

/** What the route asks before checking a password. */
export interface CheckLimiter {
  reserve(source: string, username: string): Reservation;
}

/** A limiter with the given limits; `now` is injectable for tests. */
export function createCheckLimiter(
  limits: CheckLimits = DEFAULT_CHECK_LIMITS,
  now: () => number = Date.now,
): CheckLimiter {
  const maxKeys = limits.maxKeys ?? 10_000;
  const sources = new Buckets(limits.perSource, maxKeys);
  const usernames = new Buckets(limits.perUsername, maxKeys);
  return {
    reserve(source, username) {
      const t = now();
      const sourceKey = source.slice(0, MAX_KEY_LENGTH);
      // Lookups ignore case (README), so the guesses at `Ann` and `ann` share one bucket.
      const userKey = username.toLowerCase().slice(0, MAX_KEY_LENGTH);
      const sourceWait = sources.waitMs(sourceKey, t);
      const userWait = usernames.waitMs(userKey, t);
      if (sourceWait > 0 || userWait > 0) {
        return {
          allowed: false,
          retryAfterS: Math.max(1, Math.ceil(Math.max(sourceWait, userWait) / 1000)),
          limitedBy: userWait >= sourceWait ? 'username' : 'source',
        };
      }
      sources.add(sourceKey, -1, t);
      usernames.add(userKey, -1, t);
      let refunded = false;
      return {
        allowed: true,
        refund() {
          if (refunded) return;
          refunded = true;
          const later = now();
          sources.add(sourceKey, 1, later);
          usernames.add(userKey, 1, later);
        },
      };
    },
  };
}

/** Parse `BURST/PER_MINUTE` (e.g. `10/6`); throws a message naming the variable. */
export function parseBucketLimit(name: string, raw: string): BucketLimit {
  const match = /^(\d{1,6})\/(\d{1,7})$/.exec(raw.trim());
  const burst = Number(match?.[1]);
  const perMinute = Number(match?.[2]);
  if (!match || burst < 1 || perMinute < 1) {
    throw new Error(
      `${name}: expected BURST/PER_MINUTE with both at least 1 (e.g. 10/6), got "${raw}"`,
    );
  }
  return { burst, perMinute };
}
