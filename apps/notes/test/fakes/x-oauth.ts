/**
 * A local fake of X's OAuth 2.0 (authorization code with PKCE) and `GET /2/users/me`, for tests:
 * X cannot be reached from the test machines. A real HTTP server on 127.0.0.1 with X's paths
 * (`/i/oauth2/authorize` of x.com, `/2/oauth2/token` and `/2/users/me` of api.x.com, one origin).
 *
 * Follows docs.x.com, "OAuth 2.0 Authorization Code Flow with PKCE" (and RFC 6749 / 7636 where
 * X's page is silent):
 * - authorize: `response_type=code`, `client_id`, `redirect_uri` (exactly as registered),
 *   `scope`, `state`, `code_challenge`, `code_challenge_method` (`S256` or `plain`). An unknown
 *   client or redirect URI gets an error page (never a redirect); other problems redirect with
 *   `error=invalid_request`. The user approves ("Authorize app") or cancels, which redirects
 *   with `error=access_denied&state=…`.
 * - the code is valid for 30 seconds (X: "the authorization code … will only be valid for 30
 *   seconds") and once; a second use is refused and revokes the tokens the code gave (RFC 6749
 *   §4.1.2).
 * - token: `POST` form `code, grant_type=authorization_code, redirect_uri, code_verifier`
 *   (`client_id` for public clients); confidential clients authenticate with HTTP Basic. Errors
 *   as X words them: 401 `{"error":"unauthorized_client","error_description":"Missing valid
 *   authorization header"}`, 400 `{"error":"invalid_request","error_description":"Value passed
 *   for the authorization code was invalid."}` (a wrong code_verifier included). Success:
 *   `{token_type:"bearer", expires_in:7200, access_token, scope}`.
 * - users/me: `Authorization: Bearer`, `{data:{id, name, username}}` plus `profile_image_url`
 *   when `user.fields` asks for it; otherwise 401 with X's problem body `{title:"Unauthorized",
 *   type:"about:blank", status:401, detail:"Unauthorized"}`.
 * Simplified: one app; the "signed-in X user" is chosen by the test; no refresh tokens.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An X account as users/me returns it. */
export interface FakeXUser {
  id: string;
  name: string;
  username: string;
  profile_image_url?: string;
}

/** The app registered at the fake. */
export interface FakeXOptions {
  clientId: string;
  /** Confidential client when set (HTTP Basic at the token endpoint). */
  clientSecret?: string;
  redirectUris: string[];
  /** How long a code lives (X: 30 s). */
  codeTtlMs?: number;
}

/** One request the fake answered (for assertions). */
export interface FakeXRequest {
  method: string;
  path: string;
  status: number;
  /** Form fields of token requests (code_verifier included: it is a test). */
  form?: Record<string, string>;
  basicAuth?: boolean;
}

interface Code {
  clientId: string;
  redirectUri: string;
  challenge: string;
  method: 'S256' | 'plain';
  scope: string;
  user: FakeXUser;
  expiresAt: number;
  used: boolean;
  tokens: string[];
}

/** A running fake. */
export interface FakeX {
  url: string;
  /** The X account the next consent approves as. */
  signInAs(user: FakeXUser): void;
  requests: FakeXRequest[];
  /** Let every code given so far expire, as 30 s of waiting would. */
  expireCodes(): void;
  /** Answer the next approval with a plain page, and give the test the callback URL instead. */
  holdNextCallback(): Promise<URL>;
  close(): Promise<void>;
}

const UNAUTHORIZED_CLIENT = {
  error: 'unauthorized_client',
  error_description: 'Missing valid authorization header',
};
const INVALID_CODE = {
  error: 'invalid_request',
  error_description: 'Value passed for the authorization code was invalid.',
};

const random = () => randomBytes(24).toString('base64url');
const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Start the fake on a free loopback port. */
export async function startFakeX(options: FakeXOptions): Promise<FakeX> {
  const codes = new Map<string, Code>();
  const tokens = new Map<string, FakeXUser>();
  const requests: FakeXRequest[] = [];
  let user: FakeXUser = { id: '1', name: 'Someone', username: 'someone' };
  const codeTtl = options.codeTtlMs ?? 30_000;
  let hold: ((url: URL) => void) | undefined;

  const send = (
    res: ServerResponse,
    entry: FakeXRequest,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    entry.status = status;
    requests.push(entry);
    const json = typeof body !== 'string';
    res.writeHead(status, {
      'content-type': json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(json ? JSON.stringify(body) : body);
  };
  const redirect = (res: ServerResponse, entry: FakeXRequest, to: URL) =>
    send(res, entry, 302, '', { location: to.toString() });

  /** Checks of the authorize request; a string is an error to show on X's own page. */
  const checkAuthorize = (q: URLSearchParams): string | { redirect: URL; error?: string } => {
    if (q.get('client_id') !== options.clientId) return 'unknown client_id';
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!options.redirectUris.includes(redirectUri)) return 'redirect_uri is not registered';
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state) back.searchParams.set('state', state);
    const method = q.get('code_challenge_method') ?? 'plain';
    const scopes = (q.get('scope') ?? '').split(' ');
    if (
      q.get('response_type') !== 'code' ||
      !state ||
      !q.get('code_challenge') ||
      (method !== 'S256' && method !== 'plain') ||
      !scopes.includes('users.read') ||
      !scopes.includes('tweet.read')
    ) {
      return { redirect: back, error: 'invalid_request' };
    }
    return { redirect: back };
  };

  const consentPage = (q: URLSearchParams) => `<!doctype html>
<html><head><title>Authorize app · X (fake)</title></head><body>
<h1>The app wants to access your X account</h1>
<p>Signed in as @${escapeHtml(user.username)}</p>
<form method="post" action="/i/oauth2/authorize/decide">
${[...q].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`).join('\n')}
<button type="submit" name="decision" value="allow" id="allow">Authorize app</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form></body></html>`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake-x.invalid');
    const entry: FakeXRequest = { method: req.method ?? '', path: url.pathname, status: 0 };

    if (req.method === 'GET' && url.pathname === '/i/oauth2/authorize') {
      const checked = checkAuthorize(url.searchParams);
      if (typeof checked === 'string')
        return send(res, entry, 400, `<p>Something went wrong: ${escapeHtml(checked)}</p>`);
      if (checked.error) {
        checked.redirect.searchParams.set('error', checked.error);
        return redirect(res, entry, checked.redirect);
      }
      return send(res, entry, 200, consentPage(url.searchParams));
    }

    if (req.method === 'POST' && url.pathname === '/i/oauth2/authorize/decide') {
      const form = new URLSearchParams(await readBody(req));
      const checked = checkAuthorize(form);
      if (typeof checked === 'string' || checked.error)
        return send(res, entry, 400, '<p>Something went wrong.</p>');
      if (form.get('decision') !== 'allow') {
        checked.redirect.searchParams.set('error', 'access_denied');
        return redirect(res, entry, checked.redirect);
      }
      const code = random();
      codes.set(code, {
        clientId: options.clientId,
        redirectUri: form.get('redirect_uri') ?? '',
        challenge: form.get('code_challenge') ?? '',
        method: form.get('code_challenge_method') === 'S256' ? 'S256' : 'plain',
        scope: form.get('scope') ?? '',
        user,
        expiresAt: Date.now() + codeTtl,
        used: false,
        tokens: [],
      });
      checked.redirect.searchParams.set('code', code);
      if (hold) {
        hold(checked.redirect);
        hold = undefined;
        return send(res, entry, 200, '<p id="held">The callback was held back by the test.</p>');
      }
      return redirect(res, entry, checked.redirect);
    }

    if (req.method === 'POST' && url.pathname === '/2/oauth2/token') {
      const form = Object.fromEntries(new URLSearchParams(await readBody(req)));
      entry.form = form;
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      entry.basicAuth = basic !== null;
      if (options.clientSecret !== undefined) {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined.
        const formDecode = (v: string | undefined) =>
          decodeURIComponent((v ?? '').replace(/\+/g, ' '));
        const [id, secret] = basic
          ? Buffer.from(basic[1] ?? '', 'base64')
              .toString('utf8')
              .split(':')
              .map(formDecode)
          : [];
        if (id !== options.clientId || !same(secret ?? '', options.clientSecret))
          return send(res, entry, 401, UNAUTHORIZED_CLIENT);
      } else if (form.client_id !== options.clientId) {
        return send(res, entry, 400, {
          error: 'invalid_request',
          error_description: 'Missing required parameter [client_id].',
        });
      }
      if (form.grant_type !== 'authorization_code')
        return send(res, entry, 400, {
          error: 'invalid_request',
          error_description: 'Value passed for the grant type was invalid.',
        });
      const code = codes.get(form.code ?? '');
      if (!code || code.expiresAt < Date.now() || code.redirectUri !== form.redirect_uri)
        return send(res, entry, 400, INVALID_CODE);
      if (code.used) {
        // A replayed code: refuse it and revoke what its first use gave.
        for (const t of code.tokens) tokens.delete(t);
        return send(res, entry, 400, INVALID_CODE);
      }
      const verifier = form.code_verifier ?? '';
      const expected =
        code.method === 'S256'
          ? createHash('sha256').update(verifier).digest('base64url')
          : verifier;
      code.used = true;
      if (verifier === '' || !same(expected, code.challenge))
        return send(res, entry, 400, INVALID_CODE);
      const accessToken = random();
      tokens.set(accessToken, code.user);
      code.tokens.push(accessToken);
      return send(res, entry, 200, {
        token_type: 'bearer',
        expires_in: 7200,
        access_token: accessToken,
        scope: code.scope,
      });
    }

    if (req.method === 'GET' && url.pathname === '/2/users/me') {
      const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '');
      const who = bearer ? tokens.get(bearer[1] ?? '') : undefined;
      if (!who)
        return send(res, entry, 401, {
          title: 'Unauthorized',
          type: 'about:blank',
          status: 401,
          detail: 'Unauthorized',
        });
      const fields = (url.searchParams.get('user.fields') ?? '').split(',');
      const data: Record<string, string> = { id: who.id, name: who.name, username: who.username };
      if (fields.includes('profile_image_url') && who.profile_image_url)
        data.profile_image_url = who.profile_image_url;
      return send(res, entry, 200, { data });
    }

    return send(res, entry, 404, {
      errors: [{ message: 'Sorry, that page does not exist', code: 34 }],
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    signInAs(next) {
      user = next;
    },
    requests,
    holdNextCallback: () => new Promise<URL>((resolve) => (hold = resolve)),
    expireCodes() {
      for (const code of codes.values()) code.expiresAt = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
