/**
 * "Log in with X / <OpenID provider>" (issue 22). `GET /auth/<id>/start` keeps a fresh state,
 * PKCE verifier and nonce in the session and sends the browser to the provider; the provider
 * sends it back to `GET /auth/<id>/callback` (derived from PUBLIC_URL), where the checks are
 * taken out of the session (single use: a replayed callback finds none), the code is exchanged,
 * the account is found or created through userauth's `POST /find-or-create`, and the session
 * is replaced as for a password login. Every failure lands on the login page with a message —
 * never a 500 — and logs nobody in. Start links are GETs: starting a login changes nothing but
 * the caller's own session, and the callback only accepts the session that started it.
 */
import { timingSafeEqual } from 'node:crypto';
import type Router from '@koa/router';
import type Koa from 'koa';
import * as client from 'openid-client';
import type { AppDeps } from '../app.ts';
import type { LoginProvider } from '../login/providers.ts';
import { log } from '../log.ts';
import {
  clearPendingLogin,
  startLoggedInSession,
  startPendingLogin,
  takePendingLogin,
} from '../session.ts';
import { UserauthUnavailableError } from '../userauth-client.ts';
import { queryParam, safeReturnTo } from './forms.ts';

/** How long a started login may take at the provider. */
const PENDING_TTL_MS = 10 * 60_000;

/** A failed provider login: what the login page says, and its status. */
class LoginRefused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const sameText = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** What to tell the user for an error the flow raised; logs the technical part. */
function refusal(provider: LoginProvider, error: unknown): LoginRefused {
  if (error instanceof LoginRefused) return error;
  const label = provider.label;
  if (error instanceof client.AuthorizationResponseError) {
    return error.error === 'access_denied'
      ? new LoginRefused(
          401,
          `You did not allow this app to use your ${label} account. Nobody was logged in.`,
        )
      : new LoginRefused(400, `${label} refused the login (${error.error}). Please try again.`);
  }
  if (error instanceof client.ResponseBodyError) {
    // invalid_grant: the code expired, was used already, or the PKCE verifier did not match.
    return new LoginRefused(
      400,
      `${label} did not accept this login (${error.error}): it may have expired or been used already. Please start again.`,
    );
  }
  if (error instanceof UserauthUnavailableError) {
    return new LoginRefused(
      503,
      'The login service is not answering. Please try again in a moment.',
    );
  }
  const code = (error as { code?: unknown }).code;
  if (error instanceof client.ClientError && code !== 'OAUTH_TIMEOUT') {
    // ID token or response checks: issuer, audience, expiry, nonce, signature, state, iss.
    return new LoginRefused(
      400,
      `The answer from ${label} could not be verified, so nobody was logged in. Please start again.`,
    );
  }
  return new LoginRefused(503, `${label} is not answering. Please try again in a moment.`);
}

/** Register the provider routes (none when no provider is configured). */
export function providerLoginRoutes(
  router: Router,
  deps: AppDeps,
  providers: LoginProvider[],
): void {
  const byId = new Map<string, LoginProvider>(providers.map((p) => [p.id, p]));
  const providerOf = (ctx: Koa.Context): LoginProvider => {
    const provider = byId.get(String((ctx.params as Record<string, unknown>).provider));
    if (!provider) return ctx.throw(404, 'There is no page at this address.');
    return provider;
  };
  const callbackUrl = (provider: LoginProvider) =>
    new URL(`/auth/${provider.id}/callback`, deps.config.publicUrl).toString();
  const failed = (ctx: Koa.Context, error: LoginRefused): void =>
    deps.views.render(
      ctx,
      'login.eta',
      { providers, returnTo: '/', username: '', error: error.message },
      error.status,
    );

  router.get('/auth/:provider/start', async (ctx) => {
    const provider = providerOf(ctx);
    const checks = {
      state: client.randomState(),
      verifier: client.randomPKCECodeVerifier(),
      ...(provider.id === 'oidc' ? { nonce: client.randomNonce() } : {}),
    };
    let target: URL;
    try {
      target = await provider.authorizationUrl(callbackUrl(provider), checks);
    } catch (error) {
      log.warn('login provider unavailable', { provider: provider.id, error: describe(error) });
      return failed(ctx, refusal(provider, error));
    }
    startPendingLogin(ctx, {
      provider: provider.id,
      ...checks,
      returnTo: safeReturnTo(queryParam(ctx, 'returnTo')),
      expiresAt: Date.now() + PENDING_TTL_MS,
    });
    ctx.redirect(target.toString());
  });

  router.get('/auth/:provider/callback', async (ctx) => {
    const provider = providerOf(ctx);
    // Taken out at once: whatever happens next, this login's checks cannot be used again.
    const pending = takePendingLogin(ctx);
    try {
      const state = queryParam(ctx, 'state') ?? '';
      if (
        !pending ||
        pending.provider !== provider.id ||
        pending.expiresAt < Date.now() ||
        !sameText(state, pending.state)
      ) {
        throw new LoginRefused(
          400,
          'This login was not started in this browser, or it has expired. Please start again.',
        );
      }
      // The URL the provider redirected to, rebuilt from PUBLIC_URL (never from Host).
      const current = new URL(callbackUrl(provider));
      current.search = ctx.querystring;
      const profile = await provider.finish(current, pending);
      const user = await deps.userauth.findOrCreate({
        username: profile.handle,
        provider: profile.provider,
        givenName: profile.givenName,
        familyName: profile.familyName,
        emails: profile.emails,
        photos: profile.photos,
      });
      startLoggedInSession(ctx, { username: user.username, displayName: profile.displayName });
      log.info('login', { provider: provider.id, username: user.username });
      ctx.redirect(pending.returnTo);
    } catch (error) {
      const refused = refusal(provider, error);
      log.warn('provider login refused', {
        provider: provider.id,
        status: refused.status,
        error: describe(error),
      });
      clearPendingLogin(ctx);
      failed(ctx, refused);
    }
  });
}

/** Loggable words of an error: its class, code and message (no tokens are in them). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
}
