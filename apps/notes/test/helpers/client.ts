/**
 * A tiny browser-like HTTP client for route tests: keeps cookies, does not follow redirects, and
 * remembers the CSRF token of the last page that had a form.
 */

/** One response, read fully. */
export interface Page {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

/** Cookie jar + fetch. */
export class Client {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  /** The `_csrf` value of the last page that had one. */
  csrf: string | undefined;

  constructor(base: string) {
    this.base = base;
  }

  #cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  async #read(response: Response): Promise<Page> {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.csrf = token;
    return {
      status: response.status,
      headers: response.headers,
      text,
      location: response.headers.get('location'),
    };
  }

  /** GET `path`. */
  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const response = await fetch(new URL(path, this.base), {
      redirect: 'manual',
      headers: { accept: 'text/html', ...this.#cookieHeader(), ...headers },
    });
    return this.#read(response);
  }

  /** POST a form; the remembered CSRF token is added unless `_csrf` is given (or null to omit). */
  async post(path: string, form: Record<string, string | null>): Promise<Page> {
    const body = new URLSearchParams();
    const withToken: Record<string, string | null> = { _csrf: this.csrf ?? null, ...form };
    for (const [k, v] of Object.entries(withToken)) if (v !== null) body.set(k, v);
    const response = await fetch(new URL(path, this.base), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        ...this.#cookieHeader(),
      },
      body,
    });
    return this.#read(response);
  }

  /** Log in through the real form (and so through the real userauth). */
  async login(username: string, password: string, returnTo?: string): Promise<Page> {
    await this.get(`/users/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ''}`);
    return this.post('/users/login', { username, password, ...(returnTo ? { returnTo } : {}) });
  }
}
