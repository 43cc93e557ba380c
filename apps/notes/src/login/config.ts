/**
 * Configuration of the optional third-party logins (issue 22), read with the rest of the app's
 * environment: nothing set → no provider, and the login page is the password form alone.
 *
 * X (OAuth 2.0 authorization code + PKCE):  X_CLIENT_ID, X_CLIENT_SECRET[_FILE] (confidential
 *   clients; without it the app is a public client), X_AUTHORIZE_URL / X_TOKEN_URL / X_API_URL
 *   (X's published endpoints by default; tests point them at a local fake), X_SCOPES.
 * OpenID Connect: OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET[_FILE], OIDC_NAME (the button's
 *   label), OIDC_PROVIDER (the provider name userauth stores the accounts under), OIDC_SCOPES.
 */

/** X's OAuth 2.0 settings. */
export interface XLoginConfig {
  clientId: string;
  clientSecret: string | undefined;
  authorizeUrl: string;
  tokenUrl: string;
  apiUrl: string;
  scopes: string;
}

/** An OpenID Connect provider's settings. */
export interface OidcLoginConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** Shown as "Log in with <name>". */
  name: string;
  /** userauth's provider name for these accounts (`provider:subject`). */
  provider: string;
  scopes: string;
}

/** Both are optional. */
export interface LoginProvidersConfig {
  x?: XLoginConfig;
  oidc?: OidcLoginConfig;
}

type Env = Record<string, string | undefined>;
type SecretReader = (name: string) => string | undefined;

/** X's published OAuth 2.0 endpoints (docs.x.com, "OAuth 2.0 Authorization Code Flow with PKCE"). */
export const X_DEFAULTS = {
  authorizeUrl: 'https://x.com/i/oauth2/authorize',
  tokenUrl: 'https://api.x.com/2/oauth2/token',
  apiUrl: 'https://api.x.com',
  // users.read is what GET /2/users/me needs; X requires tweet.read alongside it.
  scopes: 'tweet.read users.read',
};

const PROVIDER_NAME = /^[a-z0-9][a-z0-9._-]{0,31}$/;

function url(name: string, value: string, production: boolean, problems: string[]): string {
  try {
    const parsed = new URL(value);
    // Tokens and codes travel to these URLs: plain HTTP only outside production (tests).
    if (production && parsed.protocol !== 'https:')
      problems.push(`${name}: must be an https:// URL in production`);
  } catch {
    problems.push(`${name}: expected a URL, got "${value}"`);
  }
  return value;
}

/** Read the login providers from `env`, adding every problem to `problems`. */
export function readLoginProviders(
  env: Env,
  readSecret: SecretReader,
  production: boolean,
  problems: string[],
): LoginProvidersConfig {
  const out: LoginProvidersConfig = {};
  const xSecret = readSecret('X_CLIENT_SECRET');
  const xClientId = env.X_CLIENT_ID ?? '';
  if (xClientId !== '') {
    out.x = {
      clientId: xClientId,
      clientSecret: xSecret,
      authorizeUrl: url(
        'X_AUTHORIZE_URL',
        env.X_AUTHORIZE_URL ?? X_DEFAULTS.authorizeUrl,
        production,
        problems,
      ),
      tokenUrl: url('X_TOKEN_URL', env.X_TOKEN_URL ?? X_DEFAULTS.tokenUrl, production, problems),
      apiUrl: url('X_API_URL', env.X_API_URL ?? X_DEFAULTS.apiUrl, production, problems),
      scopes: env.X_SCOPES ?? X_DEFAULTS.scopes,
    };
  } else if (xSecret !== undefined) {
    problems.push(
      'X_CLIENT_SECRET: set, but X_CLIENT_ID is not (set both to turn on "Log in with X")',
    );
  }

  const oidcSecret = readSecret('OIDC_CLIENT_SECRET');
  const issuer = env.OIDC_ISSUER ?? '';
  const oidcClientId = env.OIDC_CLIENT_ID ?? '';
  if (issuer !== '' || oidcClientId !== '') {
    if (issuer === '') problems.push('OIDC_ISSUER: required when OIDC_CLIENT_ID is set');
    if (oidcClientId === '') problems.push('OIDC_CLIENT_ID: required when OIDC_ISSUER is set');
    const provider = env.OIDC_PROVIDER ?? 'oidc';
    if (!PROVIDER_NAME.test(provider) || provider === 'local' || provider === 'x') {
      problems.push(
        `OIDC_PROVIDER: expected 1-32 of a-z 0-9 . _ - (not "local" or "x"), got "${provider}"`,
      );
    }
    let name = env.OIDC_NAME ?? '';
    if (name === '' && issuer !== '') {
      try {
        name = new URL(issuer).hostname;
      } catch {
        name = 'OpenID Connect';
      }
    }
    out.oidc = {
      issuer: issuer === '' ? '' : url('OIDC_ISSUER', issuer, production, problems),
      clientId: oidcClientId,
      clientSecret: oidcSecret,
      name,
      provider,
      scopes: env.OIDC_SCOPES ?? 'openid profile email',
    };
  } else if (oidcSecret !== undefined) {
    problems.push('OIDC_CLIENT_SECRET: set, but OIDC_ISSUER and OIDC_CLIENT_ID are not');
  }
  return out;
}
