import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_RETRY_POLICY,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  retryDelayMs,
  untilRateLimitReset,
} from '../../../../src/provision/digitalocean/retry-policy.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function headers(values: Record<string, string>): (name: string) => string | null {
  return (name) => values[name] ?? null;
}

describe('retry policy', () => {
  it('retries 429 for every method but 5xx only for idempotent ones', () => {
    expect(isRetryableStatus('POST', 429)).toBe(true);
    expect(isRetryableStatus('GET', 503)).toBe(true);
    expect(isRetryableStatus('DELETE', 500)).toBe(true);
    expect(isRetryableStatus('POST', 500)).toBe(false);
    expect(isRetryableStatus('GET', 422)).toBe(false);
    expect(isRetryableStatus('GET', 404)).toBe(false);
  });

  it('repeats a POST after a network failure only when the connection was refused', () => {
    expect(isRetryableNetworkError('POST', 'ECONNREFUSED')).toBe(true);
    expect(isRetryableNetworkError('POST', 'ECONNRESET')).toBe(false);
    expect(isRetryableNetworkError('GET', 'ECONNRESET')).toBe(true);
  });

  it('reads retry-after as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('29', NOW)).toBe(29_000);
    expect(parseRetryAfter(new Date(NOW + 5000).toUTCString(), NOW)).toBe(5000);
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });

  it('measures ratelimit-reset against the answer’s Date header, not the local clock', () => {
    const serverNow = NOW + 3_600_000; // our clock is an hour behind the server's
    const header = headers({
      'ratelimit-reset': String((serverNow + 7000) / 1000),
      date: new Date(serverNow).toUTCString(),
    });
    expect(untilRateLimitReset(header, NOW)).toBe(7000);
    expect(untilRateLimitReset(headers({ 'ratelimit-reset': String(NOW / 1000 - 1) }), NOW)).toBe(
      undefined,
    );
  });

  it('waits for retry-after first, then ratelimit-reset on a 429, else backs off', () => {
    const base = { attempt: 1, nowMs: NOW, random: 1, policy: DEFAULT_RETRY_POLICY };
    const reset = String((NOW + 4000) / 1000);
    expect(
      retryDelayMs({
        ...base,
        status: 429,
        header: headers({ 'retry-after': '2', 'ratelimit-reset': reset }),
      }),
    ).toBe(2250);
    expect(
      retryDelayMs({ ...base, status: 429, header: headers({ 'ratelimit-reset': reset }) }),
    ).toBe(4250);
    // A 503's ratelimit-reset says nothing about when the server recovers.
    expect(
      retryDelayMs({ ...base, status: 503, header: headers({ 'ratelimit-reset': reset }) }),
    ).toBe(1000);
    expect(retryDelayMs({ ...base, status: undefined, header: undefined, attempt: 3 })).toBe(4000);
  });

  it('doubles the back-off up to its cap, with jitter between half and full', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy, 1))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelayMs(3, policy, 0)).toBe(200);
  });
});
