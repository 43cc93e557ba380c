/**
 * HTTP Basic authentication against one API user and key. Both values are compared as SHA-256
 * digests with timingSafeEqual, so neither the content nor the length of the expected values
 * leaks through response timing, and both comparisons always run.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** The user/password pair inside an `Authorization: Basic ...` header, if well-formed. */
export function parseBasicAuth(
  header: string | undefined,
): { user: string; pass: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/** Koa middleware answering 401 + WWW-Authenticate unless the credentials match. */
export function basicAuth(apiUser: string, apiKey: string) {
  const expectedUser = digest(apiUser);
  const expectedKey = digest(apiKey);
  return async function requireBasicAuth(ctx: Context, next: Next): Promise<void> {
    const given = parseBasicAuth(ctx.get('authorization'));
    // Non-short-circuit `&` so a wrong user costs the same as a wrong key.
    const ok =
      given !== undefined &&
      Number(timingSafeEqual(digest(given.user), expectedUser)) &
        Number(timingSafeEqual(digest(given.pass), expectedKey));
    if (!ok) {
      ctx.set('WWW-Authenticate', 'Basic realm="userauth", charset="UTF-8"');
      ctx.status = 401;
      ctx.body = { error: given ? 'invalid credentials' : 'authentication required' };
      return;
    }
    await next();
  };
}
