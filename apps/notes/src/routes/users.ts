/**
 * Login and logout. The password is checked by userauth (`POST /passwordCheck`); on success the
 * user is fetched once (`GET /find`) and cached in the signed session, so no later request calls
 * userauth. Failures re-show the form with a message that does not say which part was wrong.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import type { AppDeps } from '../app.ts';
import { log } from '../log.ts';
import { currentUser, endSession, sessionIdentity, startLoggedInSession } from '../session.ts';
import {
  displayNameOf,
  LoginThrottledError,
  UserauthUnavailableError,
} from '../userauth-client.ts';
import { formOf, LIMITS, queryParam, safeReturnTo } from './forms.ts';

/** Register the user routes. */
export function userRoutes(router: Router, deps: AppDeps): void {
  const renderLogin = (ctx: Koa.Context, locals: Record<string, unknown>, status = 200): void =>
    deps.views.render(ctx, 'login.eta', { providers: deps.loginProviders, ...locals }, status);

  router.get('/users/login', (ctx) => {
    renderLogin(ctx, { returnTo: safeReturnTo(queryParam(ctx, 'returnTo')), username: '' });
  });

  router.post('/users/login', async (ctx) => {
    const form = formOf(ctx);
    const username = (form.username ?? '').trim();
    const password = form.password ?? '';
    const returnTo = safeReturnTo(form.returnTo);
    if (username === '' || password === '') {
      return renderLogin(
        ctx,
        { returnTo, username, error: 'Enter your user name and password.' },
        400,
      );
    }
    const failed = (): void =>
      renderLogin(ctx, { returnTo, username, error: 'Wrong user name or password.' }, 401);
    // Longer than userauth accepts (it would answer 400): cannot be anyone's login.
    if (username.length > LIMITS.login || password.length > LIMITS.login) return failed();
    try {
      const check = await deps.userauth.passwordCheck(username, password);
      if (!check.check) return failed();
      const user = await deps.userauth.find(check.username);
      if (!user) return failed();
      startLoggedInSession(ctx, { username: user.username, displayName: displayNameOf(user) });
      ctx.redirect(returnTo);
    } catch (error) {
      if (error instanceof LoginThrottledError) {
        // Too many wrong passwords for this account (or from this app): say so, and when.
        ctx.set('Retry-After', String(error.retryAfterS));
        return renderLogin(
          ctx,
          {
            returnTo,
            username,
            error: `Too many failed attempts. Try again in ${error.retryAfterS} seconds.`,
          },
          429,
        );
      }
      if (!(error instanceof UserauthUnavailableError)) throw error;
      log.warn('login failed: userauth unavailable', { error: error.message });
      renderLogin(
        ctx,
        {
          returnTo,
          username,
          error: 'The login service is not answering. Please try again in a moment.',
        },
        503,
      );
    }
  });

  router.get('/users/logout', async (ctx) => {
    const identity = currentUser(ctx) ? sessionIdentity(ctx) : undefined;
    if (identity) {
      deps.revocations.add(identity.sid, identity.expiresAt);
      try {
        await deps.store.revokeSession(identity.sid, identity.expiresAt);
      } catch (error) {
        // The cookie is still cleared below; only a copied cookie would outlive this replica.
        log.error('could not record logout', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    endSession(ctx);
    ctx.redirect('/');
  });
}
