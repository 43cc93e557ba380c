import { createServer as createTcpServer, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.ts';
import {
  apiUrlFromEnv,
  DigitalOceanClient,
} from '../../../../src/provision/digitalocean/client.ts';
import {
  DigitalOceanApiError,
  DigitalOceanNetworkError,
} from '../../../../src/provision/digitalocean/errors.ts';
import type { RetryEvent } from '../../../../src/provision/digitalocean/http.ts';
import { clientOf, fake, TOKEN } from './helpers.ts';

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('DigitalOcean client: transport', () => {
  it('reports a refused token with DigitalOcean’s message and a hint, never the token', async () => {
    const server = await fake();
    const wrong = `dop_v1_${'0bad'.repeat(16)}`;
    const client = clientOf(server, { token: wrong });
    const error = await client.account().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigitalOceanApiError);
    const apiError = error as DigitalOceanApiError;
    expect(apiError.message).toMatch(
      /^DigitalOcean GET \/v2\/account: 401 unauthorized: Unable to authenticate you\. \(request [0-9a-f-]{36}\)$/,
    );
    expect(apiError.hint).toMatch(/check the DigitalOcean API token/);
    expect(server.state.requests).toHaveLength(1); // a 401 is not retried
    for (const text of [apiError.message, apiError.hint, apiError.stack, inspect(client)]) {
      expect(text).not.toContain(wrong);
    }
    expect(JSON.stringify(server.state.requests)).not.toContain(wrong);
  });

  it('keeps the token out of the request log and out of the client’s printed form', async () => {
    const server = await fake();
    const client = clientOf(server);
    expect((await client.account()).email).toBe('notesctl-tests@example.com');
    expect(server.state.requests[0]?.auth).toBe('valid');
    expect(JSON.stringify(server.state.requests)).not.toContain(TOKEN);
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(TOKEN);
  });

  it('on 429 waits until ratelimit-reset, then succeeds', async () => {
    const server = await fake({ rateLimit: 3, rateLimitWindowMs: 1500 });
    const retries: RetryEvent[] = [];
    const client = clientOf(server, { onRetry: (event) => retries.push(event) });
    for (let i = 0; i < 4; i++) await client.account();
    const statuses = server.state.requests.map((r) => r.status);
    expect(statuses).toEqual([200, 200, 200, 429, 200]);
    const [limited, retried] = server.state.requests.slice(3);
    const resetMs = Number(limited?.replyHeaders['ratelimit-reset']) * 1000;
    expect(limited?.replyHeaders['ratelimit-remaining']).toBe('0');
    expect(retried?.at).toBeGreaterThanOrEqual(resetMs);
    expect(retries).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v2/account',
        attempt: 1,
        reason: '429 too_many_requests',
      }),
    ]);
    expect(client.rateLimit?.limit).toBe(3);
  });

  it('on 429 with retry-after (the burst limit) waits that many seconds', async () => {
    const server = await fake({ rateLimit: 1, rateLimitWindowMs: 1000, retryAfter: true });
    const retries: RetryEvent[] = [];
    const client = clientOf(server, { onRetry: (event) => retries.push(event) });
    await client.account();
    await client.account();
    const [limited, retried] = server.state.requests.slice(1);
    expect(limited?.replyHeaders['retry-after']).toBe('1');
    expect(retries[0]?.delayMs).toBe(1250);
    expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('gives up at once when the rate limit resets past its time budget', async () => {
    const server = await fake();
    const client = clientOf(server, { retry: { maxTotalMs: 2000 } });
    await client.account();
    // Lowered on the fly: the call above is counted against the new limit of one per minute.
    server.setRateLimit(1, { windowMs: 60_000 });
    const started = Date.now();
    const error = (await client.account().catch((e: unknown) => e)) as DigitalOceanApiError;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(error.status).toBe(429);
    expect(error.message).toMatch(
      /429 too_many_requests: API Rate limit exceeded\. \(gave up after 1 attempt in 0\.\d s; the next would wait 6\d s, past the 2\.0 s budget\)/,
    );
    expect(error.hint).toMatch(/over DigitalOcean's API rate limit until about/);
  });

  it('retries a GET through 5xx answers, a bounded number of times', async () => {
    const server = await fake();
    const client = clientOf(server, { retry: { maxAttempts: 3 } });
    server.failNext(2, { status: 503 });
    expect((await client.account()).status).toBe('active');
    server.failNext(5, { status: 500 });
    const error = (await client.account().catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(
      /^DigitalOcean GET \/v2\/account: 500 server_error: Unexpected server-side error \(gave up after 3 attempts in [\d.]+ s\)/,
    );
    expect(server.state.requests.map((r) => r.status)).toEqual([503, 503, 200, 500, 500, 500]);
  });

  it('does not repeat a POST after a 5xx: it may have created the Droplet already', async () => {
    const server = await fake();
    const client = clientOf(server);
    server.failNext(1, { status: 500, method: 'POST' });
    await expect(
      client.createFirewall({
        name: 'x',
        inbound_rules: [],
        outbound_rules: [],
        droplet_ids: [],
        tags: [],
      }),
    ).rejects.toThrow(/POST \/v2\/firewalls: 500 server_error/);
    expect(server.state.requests).toHaveLength(1);
  });

  it('names the endpoint and the cause when the API cannot be reached', async () => {
    const port = await closedPort();
    const client = clientOf({ url: `http://127.0.0.1:${port}` }, { retry: { maxAttempts: 2 } });
    const error = await client.getDroplet(42).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigitalOceanNetworkError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^DigitalOcean GET /v2/droplets/42: could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) \\(gave up after 2 attempts`,
      ),
    );
  });

  it('times out a call that gets no answer', async () => {
    const sockets = new Set<Socket>();
    const silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const client = clientOf(
        { url: `http://127.0.0.1:${port}` },
        { timeoutMs: 200, retry: { maxAttempts: 2 } },
      );
      const started = Date.now();
      await expect(client.account()).rejects.toThrow(
        /^DigitalOcean GET \/v2\/account: no answer within 0\.2 s \(gave up after 2 attempts/,
      );
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a missing token and a base URL that is not http(s)', () => {
    expect(() => new DigitalOceanClient({ token: ' ' })).toThrow(UsageError);
    expect(() => new DigitalOceanClient({ token: TOKEN, baseUrl: 'api.digitalocean.com' })).toThrow(
      /set DIGITALOCEAN_API_URL|is not a URL/,
    );
    expect(() => new DigitalOceanClient({ token: TOKEN, baseUrl: 'ftp://x' })).toThrow(
      /http or https/,
    );
    expect(new DigitalOceanClient({ token: TOKEN }).baseUrl).toBe('https://api.digitalocean.com');
    expect(apiUrlFromEnv({})).toBe('https://api.digitalocean.com');
    expect(apiUrlFromEnv({ DIGITALOCEAN_API_URL: 'http://127.0.0.1:9/' })).toBe(
      'http://127.0.0.1:9/',
    );
  });
});
