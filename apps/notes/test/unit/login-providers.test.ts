/**
 * Third-party login (issue 22) without a browser: configuration from the environment (secrets
 * as files), the login page with and without providers, and a provider that does not answer.
 * The browser flows and the refused cases are in integration/login-providers.test.ts.
 */
import { createServer } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { X_DEFAULTS } from '../../src/login/config.ts';
import { handleFor } from '../../src/login/providers.ts';
import { Client } from '../helpers/client.ts';
import { startTestNotes, tempSqlite } from '../helpers/notes-app.ts';

const base = { SESSION_SECRET: 'x'.repeat(32) };

/** The problems loadConfig reports for `env` (none: []). */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

describe('login provider configuration', () => {
  it('has no provider when nothing is set', () => {
    expect(loadConfig(base).loginProviders).toEqual({});
  });

  it('reads X with its published endpoints and the secret from a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notes-login-'));
    try {
      const file = join(dir, 'x_client_secret');
      await writeFile(file, 'from-the-file\n');
      const config = loadConfig({ ...base, X_CLIENT_ID: 'cid', X_CLIENT_SECRET_FILE: file });
      expect(config.loginProviders.x).toEqual({
        clientId: 'cid',
        clientSecret: 'from-the-file',
        authorizeUrl: 'https://x.com/i/oauth2/authorize',
        tokenUrl: 'https://api.x.com/2/oauth2/token',
        apiUrl: 'https://api.x.com',
        scopes: X_DEFAULTS.scopes,
      });
      expect(
        problemsOf({
          ...base,
          X_CLIENT_ID: 'cid',
          X_CLIENT_SECRET_FILE: file,
          X_CLIENT_SECRET: 'other',
        }),
      ).toEqual(['X_CLIENT_SECRET and X_CLIENT_SECRET_FILE are both set and differ; set only one']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads an OpenID provider, naming the button after the issuer by default', () => {
    const config = loadConfig({
      ...base,
      OIDC_ISSUER: 'https://gitlab.example',
      OIDC_CLIENT_ID: 'notes',
      OIDC_CLIENT_SECRET: 's3cret',
    });
    expect(config.loginProviders.oidc).toEqual({
      issuer: 'https://gitlab.example',
      clientId: 'notes',
      clientSecret: 's3cret',
      name: 'gitlab.example',
      provider: 'oidc',
      scopes: 'openid profile email',
    });
  });

  it('lists every problem, without secret values', () => {
    const problems = problemsOf({
      ...base,
      NODE_ENV: 'production',
      DATABASE_URL: 'mysql://n@db/n',
      USERAUTH_API_KEY: 'k',
      X_CLIENT_SECRET: 'hidden-x-secret',
      OIDC_ISSUER: 'http://keycloak.example/realms/r',
      OIDC_CLIENT_SECRET: 'hidden-oidc-secret',
      OIDC_PROVIDER: 'Local',
    });
    expect(problems).toEqual([
      'X_CLIENT_SECRET: set, but X_CLIENT_ID is not (set both to turn on "Log in with X")',
      'OIDC_CLIENT_ID: required when OIDC_ISSUER is set',
      'OIDC_PROVIDER: expected 1-32 of a-z 0-9 . _ - (not "local" or "x"), got "Local"',
      'OIDC_ISSUER: must be an https:// URL in production',
    ]);
    expect(problems.join('\n')).not.toMatch(/hidden/);
  });
});

describe('handleFor', () => {
  it('keeps subjects that are valid userauth handles and digests the others', () => {
    expect(handleFor('248289761001')).toBe('248289761001');
    expect(handleFor('f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toBe(
      'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    );
    const digested = handleFor('auth0|5f7c8ec7c33c6c004bbafe82');
    expect(digested).toMatch(/^sha256\.[A-Za-z0-9_-]{43}$/);
    expect(handleFor('auth0|5f7c8ec7c33c6c004bbafe82')).toBe(digested);
    expect(handleFor('x'.repeat(65))).not.toBe(handleFor('x'.repeat(66)));
  });
});

/** A port on which nothing listens (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the login page', () => {
  it('is the password form alone when no provider is configured', async () => {
    const db = await tempSqlite();
    const app = await startTestNotes({ databaseUrl: db.url });
    try {
      const page = await new Client(app.url).get('/users/login');
      expect(page.status).toBe(200);
      expect(page.text).toContain('action="/users/login"');
      expect(page.text).not.toContain('/auth/');
      expect(page.text).not.toContain('login-providers');
      expect((await new Client(app.url).get('/auth/x/start')).status).toBe(404);
      expect((await new Client(app.url).get('/auth/oidc/callback?code=a&state=b')).status).toBe(
        404,
      );
    } finally {
      await app.stop();
      await db.remove();
    }
  });

  it('offers each configured provider, and a provider that does not answer is a message', async () => {
    const db = await tempSqlite();
    const port = await closedPort();
    const app = await startTestNotes({
      databaseUrl: db.url,
      env: {
        OIDC_ISSUER: `http://127.0.0.1:${port}/realms/notes`,
        OIDC_CLIENT_ID: 'notes',
        OIDC_NAME: 'Keycloak <test>',
        PUBLIC_URL: 'http://notes.example:8080',
        X_CLIENT_ID: 'x-client',
        X_AUTHORIZE_URL: `http://127.0.0.1:${port}/i/oauth2/authorize`,
      },
    });
    try {
      const client = new Client(app.url);
      const login = await client.get('/users/login?returnTo=%2Fnotes%2Fadd');
      expect(login.text).toContain(
        'href="/auth/x/start?returnTo=%2Fnotes%2Fadd">Log in with X</a>',
      );
      expect(login.text).toContain('>Log in with Keycloak &lt;test&gt;</a>');
      // X needs no discovery: the start redirects to X's authorize URL with PKCE and state.
      const start = await client.get('/auth/x/start');
      expect(start.status).toBe(302);
      const target = new URL(start.location ?? '');
      expect(target.origin + target.pathname).toBe(`http://127.0.0.1:${port}/i/oauth2/authorize`);
      expect(Object.fromEntries(target.searchParams)).toMatchObject({
        response_type: 'code',
        client_id: 'x-client',
        redirect_uri: 'http://notes.example:8080/auth/x/callback',
        code_challenge_method: 'S256',
        scope: 'tweet.read users.read',
      });
      expect(target.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The OpenID provider's discovery fails: the login page says so, with 503, not a 500.
      const oidc = await client.get('/auth/oidc/start');
      expect(oidc.status).toBe(503);
      expect(oidc.text).toContain('Keycloak &lt;test&gt; is not answering');
      expect(oidc.text).toContain('action="/users/login"');
    } finally {
      await app.stop();
      await db.remove();
    }
  });
});
