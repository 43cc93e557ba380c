/**
 * The HTTP client the management CLI uses to talk to the running service.
 */
import type { PublicUser } from './users.ts';

/** An error reply from the service (or no reply at all: status 0). */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Reply of POST /passwordCheck. */
export interface CheckResult {
  check: boolean;
  username: string;
  message?: string;
}

/** Profile fields the CLI can set. */
export interface ProfileFields {
  password?: string;
  provider?: string;
  givenName?: string;
  familyName?: string;
  middleName?: string;
  emails?: string[];
  /** Needed to give a provider account (issue 22) a local password. */
  allowLocalPassword?: boolean;
}

/** Calls to the userauth REST API with Basic auth. */
export interface UserauthClient {
  create(username: string, fields: ProfileFields): Promise<PublicUser>;
  update(username: string, fields: ProfileFields): Promise<PublicUser>;
  find(username: string): Promise<PublicUser>;
  destroy(username: string): Promise<void>;
  list(): Promise<PublicUser[]>;
  passwordCheck(username: string, password: string): Promise<CheckResult>;
}

/** A client for the service at `baseUrl`. */
export function createClient(baseUrl: string, apiUser: string, apiKey: string): UserauthClient {
  const authorization = `Basic ${Buffer.from(`${apiUser}:${apiKey}`).toString('base64')}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(new URL(path, baseUrl), {
        method,
        headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : null,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new ApiError(0, `cannot reach the userauth service at ${baseUrl} (${cause})`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const message = (parsed as { error?: unknown } | undefined)?.error;
      throw new ApiError(res.status, typeof message === 'string' ? message : `HTTP ${res.status}`);
    }
    return parsed as T;
  };
  const seg = encodeURIComponent;
  return {
    create: (username, fields) => call('POST', '/create-user', { username, ...fields }),
    update: (username, fields) => call('POST', `/update-user/${seg(username)}`, fields),
    find: (username) => call('GET', `/find/${seg(username)}`),
    destroy: async (username) => {
      await call('DELETE', `/destroy/${seg(username)}`);
    },
    list: () => call('GET', '/list'),
    passwordCheck: (username, password) => call('POST', '/passwordCheck', { username, password }),
  };
}
