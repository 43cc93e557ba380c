// A local fake of DigitalOcean's API v2, for tests: a real HTTP server on 127.0.0.1 that speaks
// the endpoints notesctl uses with the documented status codes, error bodies ({id, message,
// request_id}), pagination (page/per_page, links.pages, meta.total) and rate-limit headers
// (ratelimit-limit/-remaining/-reset on every answer, 429 too_many_requests past the limit).
// Reference: https://docs.digitalocean.com/reference/api/api-reference/ and the OpenAPI spec in
// github.com/digitalocean/openapi.
//
// Simplified or different from the real API, on purpose:
// - One account, one token; no OAuth scopes (403 never happens); the account is a fixed record.
// - Rate limit: one sliding window of `rateLimit` requests per `rateLimitWindowMs` (documented:
//   5,000/hour per token plus 250/minute bursts, and 10/minute for listing keys); a 429 is not
//   counted; unauthenticated requests are not counted. `retry-after` is sent only when asked
//   for (the real API sends it for the burst limit).
// - Droplets: single create only (no `names`); a handful of regions/sizes/images (catalog.ts);
//   no droplet limit, volumes, VPCs, backups or actions endpoint (the action link is a dead
//   href); status goes new → active only (never off/archive); deletion is immediate.
// - Stricter than the real API: user_data is required and must be `#cloud-config` YAML, so
//   tests see what notesctl asks the server to do.
// - Firewalls are validated and stored but filter no traffic (rules with tag sources included); they report "waiting" for 50 ms,
//   then "succeeded". Validation errors are 400 bad_request (the status the spec lists for
//   create) with our own wording.
// - Error messages copy the real API's wording where it is known (401, 404, 422 for invalid
//   region/size/image/keys, duplicate SSH key, invalid key format); others are our own.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DropletLifecycle, type DropletHooks } from './lifecycle.ts';
import { apiError, badRequest, notFound, type Reply } from './reply.ts';
import { accountRoutes } from './routes-account.ts';
import { actionRoutes } from './routes-actions.ts';
import { dropletRoutes } from './routes-droplets.ts';
import { firewallRoutes } from './routes-firewalls.ts';
import { matchRoute, type Route } from './router.ts';
import { emptyState, type FakeState, type RequestLogEntry } from './state.ts';

export type { FakeDroplet, FakeState, RequestLogEntry } from './state.ts';

/** How to start the fake. */
export interface FakeDigitalOceanOptions extends Partial<DropletHooks> {
  /** The one token the fake accepts as `Authorization: Bearer <token>`. */
  token: string;
  /** Requests allowed per window (default 5000). */
  rateLimit?: number;
  /** Length of the sliding window (default one hour, as documented). */
  rateLimitWindowMs?: number;
  /** Add `retry-after` to 429 answers, as the real API does for its burst limit. */
  retryAfter?: boolean;
}

/** A running fake. */
export interface FakeDigitalOcean {
  /** Base URL, e.g. http://127.0.0.1:40123 (pass it as the client's baseUrl). */
  url: string;
  state: FakeState;
  /** Change the rate limit from now on (requests already counted stay counted). */
  setRateLimit: (limit: number, options?: { windowMs?: number; retryAfter?: boolean }) => void;
  /** Answer the next `count` matching requests with `status` (default 500 server_error). */
  failNext: (count: number, options?: { status?: number; method?: string; path?: RegExp }) => void;
  /** Resolve once no onDropletCreated/onDropletDeleted hook is running. */
  idle: () => Promise<void>;
  /** Stop: runs onDropletDeleted for Droplets still there, then closes the server. */
  close: () => Promise<void>;
}

const MAX_BODY = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body over 1 MiB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Start the fake on 127.0.0.1 with a port from the OS. */
export async function startFakeDigitalOcean(
  options: FakeDigitalOceanOptions,
): Promise<FakeDigitalOcean> {
  const state = emptyState();
  const lifecycle = new DropletLifecycle(state, {
    activateAfterMs: options.activateAfterMs ?? 200,
    onDropletCreated: options.onDropletCreated,
    onDropletDeleted: options.onDropletDeleted,
  });
  let limit = options.rateLimit ?? 5000;
  let windowMs = options.rateLimitWindowMs ?? 3_600_000;
  let retryAfter = options.retryAfter ?? false;
  const counted: number[] = [];
  const failures: { status: number; method?: string | undefined; path?: RegExp | undefined }[] = [];
  let routes: Route[] = [];

  function rateHeaders(now: number): Record<string, string> {
    while (counted.length > 0 && (counted[0] ?? 0) + windowMs <= now) counted.shift();
    const oldest = counted[0];
    const resetMs = oldest === undefined ? now : oldest + windowMs;
    return {
      'ratelimit-limit': String(limit),
      'ratelimit-remaining': String(Math.max(0, limit - counted.length)),
      'ratelimit-reset': String(Math.ceil(resetMs / 1000)),
    };
  }

  async function answer(
    request: IncomingMessage,
    url: URL,
    raw: string,
    entry: RequestLogEntry,
  ): Promise<Reply> {
    if (entry.auth !== 'valid') return apiError(401, 'unauthorized', 'Unable to authenticate you.');
    const now = Date.now();
    rateHeaders(now);
    if (counted.length >= limit) {
      const reply = apiError(429, 'too_many_requests', 'API Rate limit exceeded.');
      const wait = Math.max(1, Math.ceil(((counted[0] ?? now) + windowMs - now) / 1000));
      return retryAfter ? { ...reply, headers: { 'retry-after': String(wait) } } : reply;
    }
    counted.push(now);
    const method = request.method ?? 'GET';
    const failure = failures.findIndex(
      (f) =>
        (f.method === undefined || f.method === method) &&
        (f.path === undefined || f.path.test(url.pathname)),
    );
    if (failure >= 0) {
      const [{ status } = { status: 500 }] = failures.splice(failure, 1);
      return apiError(
        status,
        status === 503 ? 'service_unavailable' : 'server_error',
        'Unexpected server-side error',
      );
    }
    if (raw !== '') {
      try {
        entry.body = JSON.parse(raw);
      } catch {
        return badRequest('error parsing request body');
      }
    }
    const match = matchRoute(routes, method, url.pathname);
    if (match === undefined) return notFound();
    return match.route.handle({ url, params: match.params, body: entry.body });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake.invalid');
    const { authorization, ...headers } = request.headers;
    const entry: RequestLogEntry = {
      at: Date.now(),
      method: request.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])),
      auth:
        authorization === undefined
          ? 'missing'
          : authorization === `Bearer ${options.token}`
            ? 'valid'
            : 'invalid',
      body: undefined,
      status: 0,
      replyHeaders: {},
    };
    let reply: Reply;
    try {
      reply = await answer(request, url, await readBody(request), entry);
    } catch (error) {
      console.error('fake DigitalOcean: handler failed', error);
      reply = apiError(500, 'server_error', 'Unexpected server-side error');
    }
    entry.status = reply.status;
    entry.replyHeaders = {
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': randomUUID(),
      ...rateHeaders(Date.now()),
      ...reply.headers,
    };
    state.requests.push(entry);
    response.writeHead(reply.status, entry.replyHeaders);
    response.end(reply.body === undefined ? undefined : JSON.stringify(reply.body));
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes = [
    ...accountRoutes(state, url),
    ...dropletRoutes(state, lifecycle, url),
    ...firewallRoutes(state, url),
    ...actionRoutes(state),
  ];

  return {
    url,
    state,
    setRateLimit: (newLimit, more = {}) => {
      limit = newLimit;
      windowMs = more.windowMs ?? windowMs;
      retryAfter = more.retryAfter ?? retryAfter;
    },
    failNext: (count, more = {}) => {
      for (let i = 0; i < count; i++)
        failures.push({ status: more.status ?? 500, method: more.method, path: more.path });
    },
    idle: () => lifecycle.idle(),
    close: async () => {
      await lifecycle.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
