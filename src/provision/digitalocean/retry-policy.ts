/**
 * When and how long to wait before retrying a DigitalOcean call. Pure: the caller passes the
 * response headers, the clock and a random number, so the rules are tested without a server.
 *
 * DigitalOcean documents (API reference, "Rate Limit"): every response carries `ratelimit-limit`,
 * `ratelimit-remaining` and `ratelimit-reset` (Unix seconds when the oldest counted request
 * expires); once over the limit, calls get 429 until then; the per-minute burst limit adds
 * `retry-after` (seconds) to the 429.
 */

/** Bounds on retrying one call. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Give up rather than wait past this much time since the first attempt. */
  maxTotalMs: number;
  /** First back-off delay when the server says nothing; doubles on each attempt. */
  baseDelayMs: number;
  /** Cap of the exponential back-off (a server-given wait is not capped, only the total). */
  maxDelayMs: number;
}

/** Defaults: five attempts within two minutes. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  maxTotalMs: 120_000,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
};

/** Slack added to a server-given wait: its clock has one-second resolution. */
const SERVER_WAIT_MARGIN_MS = 250;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * Whether an answer with this status is worth another attempt. A 429 was refused before any work
 * was done, so every method may repeat it; a 5xx may have come after the work was done, so only
 * idempotent methods repeat it (a second `POST /v2/droplets` could create a second Droplet).
 */
export function isRetryableStatus(method: string, status: number): boolean {
  if (status === 429) return true;
  return (
    IDEMPOTENT.has(method) && (status === 500 || status === 502 || status === 503 || status === 504)
  );
}

/**
 * Whether a call that failed without an answer may be repeated: idempotent calls always; others
 * only when the connection was refused, i.e. the request surely never arrived.
 */
export function isRetryableNetworkError(method: string, code: string | undefined): boolean {
  return IDEMPOTENT.has(method) || code === 'ECONNREFUSED';
}

/** Reads one response header; `Headers#get` fits. */
export type HeaderLookup = (name: string) => string | null;

/** Milliseconds from `retry-after`: delta-seconds or an HTTP date; undefined when absent. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Milliseconds until `ratelimit-reset`. Measured against the answer's own `Date` header when it
 * has one, so a skewed local clock cannot turn the wait into zero or into an hour.
 */
export function untilRateLimitReset(header: HeaderLookup, nowMs: number): number | undefined {
  const reset = Number(header('ratelimit-reset') ?? Number.NaN);
  if (!Number.isFinite(reset) || reset <= 0) return undefined;
  const serverDate = Date.parse(header('date') ?? '');
  const serverNow = Number.isNaN(serverDate) ? nowMs : serverDate;
  const wait = reset * 1000 - serverNow;
  return wait > 0 ? wait : undefined;
}

/** Exponential back-off with jitter (half to full) for the attempt that just failed (1-based). */
export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: number): number {
  const full = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full * (0.5 + random / 2));
}

/**
 * How long to wait after a retryable answer: the server's `retry-after`, else for a 429 the time
 * until `ratelimit-reset`, else exponential back-off.
 */
export function retryDelayMs(input: {
  status: number | undefined;
  header: HeaderLookup | undefined;
  attempt: number;
  nowMs: number;
  random: number;
  policy: RetryPolicy;
}): number {
  const { header, nowMs } = input;
  const retryAfter =
    header === undefined ? undefined : parseRetryAfter(header('retry-after'), nowMs);
  if (retryAfter !== undefined) return retryAfter + SERVER_WAIT_MARGIN_MS;
  if (input.status === 429 && header !== undefined) {
    const untilReset = untilRateLimitReset(header, nowMs);
    if (untilReset !== undefined) return untilReset + SERVER_WAIT_MARGIN_MS;
  }
  return backoffDelayMs(input.attempt, input.policy, input.random);
}
