/**
 * The two kinds of third-party login (issue 22), both through openid-client (a certified
 * OpenID Connect relying party that also speaks plain OAuth 2.0): it builds the authorization
 * URL with PKCE (S256), checks `state` (and `iss` when the server sends it), exchanges the code,
 * and for OpenID Connect validates the ID token — signature against the provider's JWKS,
 * issuer, audience, expiry and nonce. No token is kept after the profile is read.
 */
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import type { LoginProvidersConfig, OidcLoginConfig, XLoginConfig } from './config.ts';

/** The per-login secrets kept in the (signed, HttpOnly) session between start and callback. */
export interface LoginChecks {
  state: string;
  verifier: string;
  nonce?: string | undefined;
}

/** Who the provider says the user is, in userauth's terms. */
export interface ProviderProfile {
  /** userauth's provider name (`x`, or OIDC_PROVIDER). */
  provider: string;
  /** The stable account id at the provider, as a userauth handle. */
  handle: string;
  displayName: string;
  givenName: string;
  familyName: string;
  emails: string[];
  photos: string[];
}

/** One configured provider. */
export interface LoginProvider {
  /** Path segment: /auth/<id>/start, /auth/<id>/callback. */
  id: 'x' | 'oidc';
  /** "X", or OIDC_NAME. */
  label: string;
  authorizationUrl(redirectUri: string, checks: LoginChecks): Promise<URL>;
  /** Exchange the code of `callbackUrl` and read the profile; throws on any failed check. */
  finish(callbackUrl: URL, checks: LoginChecks): Promise<ProviderProfile>;
}

const HANDLE = /^[A-Za-z0-9._@+-]{1,64}$/;

/**
 * userauth's handle for a provider's subject: as it is when userauth's handle rule allows it,
 * else a digest (OIDC subjects may be up to 255 characters of anything).
 */
export function handleFor(subject: string): string {
  return HANDLE.test(subject)
    ? subject
    : `sha256.${createHash('sha256').update(subject).digest('base64url')}`;
}

const insecure = (...urls: string[]) => urls.some((u) => u.startsWith('http:'));
/**
 * Plain-HTTP endpoints are allowed only where the configuration allowed them: config.ts refuses
 * http:// provider URLs in production, so this serves development and the tests' local servers.
 */
function allowHttp(config: client.Configuration): void {
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated only to stand out
  client.allowInsecureRequests(config);
}
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** "Log in with X": OAuth 2.0 code + PKCE, then `GET /2/users/me`. */
export function xProvider(cfg: XLoginConfig): LoginProvider {
  const server: client.ServerMetadata = {
    // X publishes no issuer (it is not an OpenID provider); openid-client needs a name only.
    issuer: new URL(cfg.authorizeUrl).origin,
    authorization_endpoint: cfg.authorizeUrl,
    token_endpoint: cfg.tokenUrl,
  };
  // X: confidential clients authenticate with HTTP Basic; public ones send client_id only.
  const auth = cfg.clientSecret ? client.ClientSecretBasic(cfg.clientSecret) : client.None();
  const config = new client.Configuration(server, cfg.clientId, undefined, auth);
  if (insecure(cfg.authorizeUrl, cfg.tokenUrl, cfg.apiUrl)) allowHttp(config);
  config.timeout = 10;

  return {
    id: 'x',
    label: 'X',
    async authorizationUrl(redirectUri, checks) {
      return client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: cfg.scopes,
        state: checks.state,
        code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
        code_challenge_method: 'S256',
      });
    },
    async finish(callbackUrl, checks) {
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
      });
      const me = new URL('/2/users/me', cfg.apiUrl);
      me.searchParams.set('user.fields', 'profile_image_url');
      const response = await client.fetchProtectedResource(config, tokens.access_token, me, 'GET');
      if (!response.ok) throw new ProviderAnswerError(`GET /2/users/me: HTTP ${response.status}`);
      const body = (await response.json()) as { data?: Record<string, unknown> };
      const data = body.data ?? {};
      const id = str(data.id);
      const username = str(data.username);
      if (!/^\d{1,20}$/.test(id) || username === '')
        throw new ProviderAnswerError('GET /2/users/me: no user id or username');
      const photo = str(data.profile_image_url);
      return {
        provider: 'x',
        // The numeric id, not the handle: a handle can be changed and then taken by someone else.
        handle: id,
        displayName: `@${username}`,
        givenName: str(data.name),
        familyName: '',
        emails: [],
        photos: photo.startsWith('https://') ? [photo] : [],
      };
    },
  };
}

/** "Log in with <name>": OpenID Connect discovery, code + PKCE, nonce, ID-token validation. */
export function oidcProvider(cfg: OidcLoginConfig): LoginProvider {
  let discovered: Promise<client.Configuration> | undefined;
  const configuration = () => {
    discovered ??= client
      .discovery(
        new URL(cfg.issuer),
        cfg.clientId,
        cfg.clientSecret,
        cfg.clientSecret ? client.ClientSecretBasic(cfg.clientSecret) : client.None(),
        {
          // openid-client recognises this function by identity (a wrapper would not do).
          // eslint-disable-next-line @typescript-eslint/no-deprecated -- see allowHttp
          ...(insecure(cfg.issuer) ? { execute: [client.allowInsecureRequests] } : {}),
          timeout: 10,
        },
      )
      .then((config) => {
        // Verify the ID token's signature against the provider's JWKS too (not only TLS).
        client.enableNonRepudiationChecks(config);
        return config;
      });
    // A provider that was down is asked again at the next login.
    discovered.catch(() => (discovered = undefined));
    return discovered;
  };

  return {
    id: 'oidc',
    label: cfg.name,
    async authorizationUrl(redirectUri, checks) {
      return client.buildAuthorizationUrl(await configuration(), {
        redirect_uri: redirectUri,
        scope: cfg.scopes,
        state: checks.state,
        nonce: checks.nonce ?? '',
        code_challenge: await client.calculatePKCECodeChallenge(checks.verifier),
        code_challenge_method: 'S256',
      });
    },
    async finish(callbackUrl, checks) {
      const config = await configuration();
      const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.verifier,
        expectedState: checks.state,
        ...(checks.nonce ? { expectedNonce: checks.nonce } : {}),
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new ProviderAnswerError('no ID token');
      // Many providers put only `sub` in the ID token and the profile in UserInfo (its `sub`
      // must be the ID token's); the validated ID token's claims win.
      const userinfo = config.serverMetadata().userinfo_endpoint
        ? await client.fetchUserInfo(config, tokens.access_token, idToken.sub)
        : {};
      const claims: Record<string, unknown> & { sub: string } = { ...userinfo, ...idToken };
      const given = str(claims.given_name);
      const family = str(claims.family_name);
      const email = claims.email_verified === true ? str(claims.email) : '';
      const picture = str(claims.picture);
      const displayName =
        str(claims.name) ||
        [given, family].filter(Boolean).join(' ') ||
        str(claims.preferred_username) ||
        email ||
        claims.sub;
      return {
        provider: cfg.provider,
        handle: handleFor(claims.sub),
        displayName,
        givenName: given || str(claims.name),
        familyName: family,
        emails: email ? [email] : [],
        photos: picture.startsWith('https://') ? [picture] : [],
      };
    },
  };
}

/** The provider answered, but not with what the protocol promises. */
export class ProviderAnswerError extends Error {
  override name = 'ProviderAnswerError';
}

/** The configured providers, in the order the login page shows them. */
export function createLoginProviders(cfg: LoginProvidersConfig): LoginProvider[] {
  const out: LoginProvider[] = [];
  if (cfg.x) out.push(xProvider(cfg.x));
  if (cfg.oidc) out.push(oidcProvider(cfg.oidc));
  return out;
}
