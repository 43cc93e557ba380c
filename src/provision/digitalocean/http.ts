/**
 * One authenticated JSON call to DigitalOcean's API v2 over Node's built-in fetch, with a timeout
 * per attempt, bounded retries (src/provision/digitalocean/retry-policy.ts) and errors that name
 * the endpoint and DigitalOcean's error id and message. The token is held in a private field and
 * only ever written into the Authorization header.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DigitalOceanApiError, DigitalOceanNetworkError, type Endpoint } from './errors.ts';
import {
  isRetryableNetworkError,
  isRetryableStatus,
  retryDelayMs,
  untilRateLimitReset,
  type RetryPolicy,
} from './retry-policy.ts';
import type { ApiErrorBody } from './types.ts';

/** DigitalOcean's public endpoint. */
export const DEFAULT_API_URL = 'https://api.digitalocean.com';

/** A retry the client is about to wait for (for progress output). */
export interface RetryEvent extends Endpoint {
  attempt: number;
  delayMs: number;
  /** `429 too_many_requests`, `503 …` or the network error. */
  reason: string;
}

/** The rate-limit headers of the latest answer. */
export interface RateLimitState {
  limit: number;
  remaining: number;
  /** When the oldest counted request expires (ms since the epoch). */
  resetAtMs: number;
}

/** How the transport is set up. */
export interface HttpOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  retry: RetryPolicy;
  userAgent: string;
  onRetry: ((event: RetryEvent) => void) | undefined;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/** A successful answer. */
export interface HttpResponse {
  status: number;
  body: unknown;
}

/** What went wrong with one attempt, before it becomes an error. */
type Failure =
  | {
      kind: 'api';
      status: number;
      id: string | undefined;
      message: string;
      requestId: string | undefined;
      header: (name: string) => string | null;
    }
  | { kind: 'network'; message: string; code: string | undefined; cause: unknown };

type Attempt = { kind: 'ok'; status: number; body: unknown } | Failure;

function errorCode(error: unknown): string | undefined {
  const cause =
    error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy or load balancer in between may answer with HTML; keep a short, printable excerpt.
    return { message: text.replace(/\s+/g, ' ').slice(0, 200) };
  }
}

function apiFailure(response: Response, body: unknown): Failure {
  const parsed = (typeof body === 'object' && body !== null ? body : {}) as Partial<ApiErrorBody>;
  return {
    kind: 'api',
    status: response.status,
    id: typeof parsed.id === 'string' ? parsed.id : undefined,
    message: typeof parsed.message === 'string' ? parsed.message : 'no error message in the answer',
    requestId: typeof parsed.request_id === 'string' ? parsed.request_id : undefined,
    header: (name) => response.headers.get(name),
  };
}

function describe(failure: Failure): string {
  return failure.kind === 'api'
    ? `${failure.status}${failure.id === undefined ? '' : ` ${failure.id}`}`
    : failure.message;
}

function toError(endpoint: Endpoint, failure: Failure, note = ''): Error {
  if (failure.kind === 'network') {
    return new DigitalOceanNetworkError(endpoint, failure.message + note, { cause: failure.cause });
  }
  const error = {
    status: failure.status,
    id: failure.id,
    message: failure.message + note,
    ...(failure.requestId === undefined ? {} : { requestId: failure.requestId }),
  };
  const untilReset =
    failure.status === 429 ? untilRateLimitReset(failure.header, Date.now()) : undefined;
  if (untilReset === undefined) return new DigitalOceanApiError(endpoint, error);
  const at = new Date(Date.now() + untilReset).toLocaleTimeString();
  return new DigitalOceanApiError(endpoint, error, {
    hint: `the token is over DigitalOcean's API rate limit until about ${at}; run again then`,
  });
}

/** The transport under DigitalOceanClient. */
export class DigitalOceanHttp {
  readonly #token: string;
  readonly #options: Omit<HttpOptions, 'token'>;
  #rateLimit: RateLimitState | undefined;

  constructor(options: HttpOptions) {
    const { token, ...rest } = options;
    this.#token = token;
    this.#options = { ...rest, baseUrl: rest.baseUrl.replace(/\/+$/, '') };
  }

  /** The base URL calls go to (never includes the token). */
  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  /** Rate-limit headers of the latest answer, if any answer carried them. */
  get rateLimit(): RateLimitState | undefined {
    return this.#rateLimit;
  }

  /** Call `method path` (path starts with `/v2/`), retrying within the policy; throws on error. */
  async request(
    method: string,
    path: string,
    options: { body?: unknown; signal?: AbortSignal | undefined } = {},
  ): Promise<HttpResponse> {
    const endpoint = { method, path };
    const policy = this.#options.retry;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(endpoint, options.body, options.signal);
      if (result.kind === 'ok') return { status: result.status, body: result.body };
      const retryable =
        result.kind === 'api'
          ? isRetryableStatus(method, result.status)
          : isRetryableNetworkError(method, result.code);
      if (!retryable) throw toError(endpoint, result);
      const elapsed = Date.now() - started;
      const gaveUp = `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'} in ${seconds(elapsed)}`;
      if (attempt >= policy.maxAttempts) throw toError(endpoint, result, ` (${gaveUp})`);
      const delayMs = retryDelayMs({
        status: result.kind === 'api' ? result.status : undefined,
        header: result.kind === 'api' ? result.header : undefined,
        attempt,
        nowMs: Date.now(),
        random: Math.random(),
        policy,
      });
      if (elapsed + delayMs > policy.maxTotalMs) {
        const budget = `the next would wait ${seconds(delayMs)}, past the ${seconds(policy.maxTotalMs)} budget`;
        throw toError(endpoint, result, ` (${gaveUp}; ${budget})`);
      }
      this.#options.onRetry?.({ ...endpoint, attempt, delayMs, reason: describe(result) });
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }

  async #attempt(
    endpoint: Endpoint,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Attempt> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      accept: 'application/json',
      'user-agent': this.#options.userAgent,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${this.#options.baseUrl}${endpoint.path}`, {
        method: endpoint.method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        redirect: 'error',
      });
      this.#noteRateLimit(response.headers);
      const parsed = await readBody(response);
      return response.ok
        ? { kind: 'ok', status: response.status, body: parsed }
        : apiFailure(response, parsed);
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      const code = errorCode(error);
      const message = timeout.aborted
        ? `no answer within ${this.#options.timeoutMs / 1000} s`
        : `could not reach ${new URL(this.#options.baseUrl).host} (${code ?? (error instanceof Error ? error.message : String(error))})`;
      return { kind: 'network', message, code, cause: error };
    }
  }

  #noteRateLimit(headers: Headers): void {
    const limit = Number(headers.get('ratelimit-limit') ?? Number.NaN);
    const remaining = Number(headers.get('ratelimit-remaining') ?? Number.NaN);
    const reset = Number(headers.get('ratelimit-reset') ?? Number.NaN);
    if ([limit, remaining, reset].every(Number.isFinite)) {
      this.#rateLimit = { limit, remaining, resetAtMs: reset * 1000 };
    }
  }
}
