/**
 * The only module that talks to the userauth service (REST, Basic auth as the API user).
 * Every call has a timeout so a slow userauth cannot pin requests or shutdown.
 */

/** A userauth user record, as `GET /find/:username` returns it. */
export interface UserRecord {
  id?: number | string;
  username: string;
  provider?: string;
  familyName?: string | null;
  givenName?: string | null;
  middleName?: string | null;
  emails?: unknown[];
  photos?: unknown[];
}

/** The answer of `POST /passwordCheck`. */
export interface PasswordCheck {
  check: boolean;
  username: string;
  message?: string;
}

/** Raised when userauth cannot be reached or answers unexpectedly (not for a wrong password). */
export class UserauthUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserauthUnavailableError';
  }
}

/**
 * userauth refused to check more passwords for now (429, issue 7's brute-force limit): a
 * deliberate answer, not an outage; `retryAfterS` is from its Retry-After header.
 */
export class LoginThrottledError extends Error {
  readonly retryAfterS: number;
  constructor(retryAfterS: number) {
    super(`userauth POST /passwordCheck: rate-limited for ${retryAfterS} s`);
    this.name = 'LoginThrottledError';
    this.retryAfterS = retryAfterS;
  }
}

/** The body of `POST /find-or-create` for a provider account (issue 22). */
export interface ProviderAccount {
  /** The provider's stable id for the user (userauth stores `provider:username`). */
  username: string;
  provider: string;
  givenName: string;
  familyName: string;
  emails: string[];
  photos: string[];
}

/** What the app needs from userauth. */
export interface UserauthClient {
  passwordCheck(username: string, password: string): Promise<PasswordCheck>;
  find(username: string): Promise<UserRecord | null>;
  /** The provider account, created on its first login. */
  findOrCreate(account: ProviderAccount): Promise<UserRecord>;
  healthy(): Promise<boolean>;
}

/** Connection settings for userauth. */
export interface UserauthOptions {
  baseUrl: string;
  apiUser: string;
  apiKey: string;
  timeoutMs?: number;
}

/** Build a client for the userauth REST API. */
export function createUserauthClient(options: UserauthOptions): UserauthClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${options.apiUser}:${options.apiKey}`).toString('base64')}`;
  const timeoutMs = options.timeoutMs ?? 3_000;

  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    try {
      return await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UserauthUnavailableError(`userauth ${method} ${path}: ${reason}`);
    }
  };

  return {
    async passwordCheck(username, password) {
      const response = await call('POST', '/passwordCheck', { username, password });
      if (response.status === 429) {
        await response.body?.cancel();
        const seconds = Number(response.headers.get('retry-after'));
        throw new LoginThrottledError(
          Number.isInteger(seconds) && seconds > 0 ? Math.min(seconds, 3600) : 60,
        );
      }
      if (!response.ok) {
        throw new UserauthUnavailableError(`userauth POST /passwordCheck: HTTP ${response.status}`);
      }
      const result = (await response.json()) as Partial<PasswordCheck>;
      return {
        check: result.check === true,
        username: typeof result.username === 'string' ? result.username : username,
        ...(typeof result.message === 'string' ? { message: result.message } : {}),
      };
    },
    async find(username) {
      const response = await call('GET', `/find/${encodeURIComponent(username)}`);
      if (response.status === 404) return null;
      if (!response.ok) {
        throw new UserauthUnavailableError(`userauth GET /find: HTTP ${response.status}`);
      }
      return (await response.json()) as UserRecord;
    },
    async findOrCreate(account) {
      const response = await call('POST', '/find-or-create', account);
      if (!response.ok) {
        await response.body?.cancel();
        throw new UserauthUnavailableError(
          `userauth POST /find-or-create: HTTP ${response.status}`,
        );
      }
      return (await response.json()) as UserRecord;
    },
    async healthy() {
      try {
        const response = await call('GET', '/health');
        await response.body?.cancel();
        return response.ok;
      } catch {
        return false;
      }
    },
  };
}

/** The name shown in the page header: given + family name when userauth has them. */
export function displayNameOf(user: UserRecord): string {
  const name = [user.givenName, user.familyName]
    .filter((part) => part && part.trim() !== '')
    .join(' ');
  return name === '' ? user.username : name;
}
