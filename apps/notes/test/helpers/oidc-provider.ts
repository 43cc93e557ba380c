/**
 * A real OpenID Provider for tests: the certified `oidc-provider` package on a free loopback
 * port, with one test client (confidential, PKCE required, the notes callback registered), its
 * development login and consent pages (any login name; the password is not checked), and a
 * signing key the test made. `tamper` rewrites the next ID tokens the token endpoint hands out,
 * re-signed with the provider's own key (or another key), so the relying party's checks of
 * nonce, issuer, audience, expiry and signature can be tried one by one on otherwise genuine
 * answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import Provider from 'oidc-provider';

/** A change to the claims of issued ID tokens; `otherKey` signs with a key not in the JWKS. */
export interface Tamper {
  claims?: (claims: JWTPayload) => JWTPayload;
  otherKey?: boolean;
}

/** A running provider. */
export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Rewrite ID tokens from now on (undefined: stop). */
  tamper(change: Tamper | undefined): void;
  /** Token endpoint answers so far, by status. */
  tokenResponses: number[];
  /**
   * Hold back the next redirect to the client's callback: the browser gets a plain page instead,
   * and the promise the callback URL (to send as it is, or changed, or twice).
   */
  holdNextCallback(): Promise<URL>;
  close(): Promise<void>;
}

/** Start the provider; `redirectUri` is the notes callback it accepts. */
export async function startOidcProvider(options: {
  redirectUri: string;
  port?: number;
}): Promise<TestOidcProvider> {
  const kid = 'test-key-1';
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'notes-test';
  const clientSecret = 'test-client-secret-0123456789abcdef';

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk] },
    // Any login name is an account; its claims are made from the name.
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({
        sub,
        name: `Test ${sub}`,
        given_name: 'Test',
        family_name: sub,
        email: `${sub}@example.test`,
        email_verified: true,
      }),
    }),
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
    },
    pkce: { required: () => true },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    features: { devInteractions: { enabled: true } },
  });

  let change: Tamper | undefined;
  const tokenResponses: number[] = [];
  let hold: ((url: URL) => void) | undefined;
  provider.use(async (ctx, next) => {
    await next();
    const location = ctx.response.get('location');
    if (hold && ctx.status >= 300 && ctx.status < 400 && location.startsWith(options.redirectUri)) {
      hold(new URL(location));
      hold = undefined;
      ctx.remove('location');
      ctx.status = 200;
      ctx.type = 'text/html';
      ctx.body = '<p id="held">The callback was held back by the test.</p>';
      return;
    }
    if (ctx.path !== '/token') return;
    tokenResponses.push(ctx.status);
    const body = ctx.body as { id_token?: string } | undefined;
    if (!change || ctx.status !== 200 || !body?.id_token) return;
    const claims = change.claims
      ? change.claims(decodeJwt(body.id_token))
      : decodeJwt(body.id_token);
    body.id_token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid })
      .sign(change.otherKey ? other.privateKey : privateKey);
  });
  const handle = provider.callback();
  server.on('request', (req, res) => void handle(req, res));

  return {
    issuer,
    clientId,
    clientSecret,
    tamper(next) {
      change = next;
    },
    tokenResponses,
    holdNextCallback: () => new Promise<URL>((resolve) => (hold = resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
