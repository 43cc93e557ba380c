/**
 * A small typed client for the DigitalOcean API v2 endpoints notesctl provisions with: account,
 * SSH keys, Droplets and Cloud Firewalls. Shapes and status codes follow the published reference
 * (https://docs.digitalocean.com/reference/api/api-reference/). Transport, retries and errors
 * live in ./http.ts; this file only maps methods to endpoints.
 */
import { UsageError } from '../../errors.ts';
import { DigitalOceanApiError, isNotFound } from './errors.ts';
import { md5Fingerprint } from './fingerprint.ts';
import { DEFAULT_API_URL, DigitalOceanHttp, type RateLimitState, type RetryEvent } from './http.ts';
import { listAll } from './paginate.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry-policy.ts';
import type {
  Action,
  DropletActionType,
  Account,
  ActionLink,
  Droplet,
  DropletCreateRequest,
  Firewall,
  FirewallCreateRequest,
  InboundRule,
  Region,
  Size,
  SshKey,
} from './types.ts';
import { waitForActive, type WaitForActiveOptions } from './wait.ts';

/** The environment variable notesctl reads to point the client elsewhere (tests, proxies). */
export const API_URL_ENV = 'DIGITALOCEAN_API_URL';

/** How to reach the API. */
export interface DigitalOceanClientOptions {
  /** A personal access token with read and write scope. */
  token: string;
  /** Default https://api.digitalocean.com (see API_URL_ENV). */
  baseUrl?: string | undefined;
  /** Per attempt (default 30 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  userAgent?: string;
  /** Told before each wait for a retry (rate limit, 5xx, network). */
  onRetry?: (event: RetryEvent) => void;
}

/** Whether a delete removed the resource or found it already gone. */
export type DeleteOutcome = 'deleted' | 'absent';

/** The API base URL from the environment, or DigitalOcean's own. */
export function apiUrlFromEnv(env: Record<string, string | undefined>): string {
  const value = env[API_URL_ENV]?.trim();
  return value === undefined || value === '' ? DEFAULT_API_URL : value;
}

function checkBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`DigitalOcean API URL "${baseUrl}" is not a URL`, {
      hint: `set ${API_URL_ENV} to e.g. ${DEFAULT_API_URL}, or unset it`,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`DigitalOcean API URL "${baseUrl}": expected http or https`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new UsageError(`DigitalOcean API URL: expected scheme, host and path only`);
  }
  return url.href;
}

/** Map a `DELETE` answer, where 404 means someone (or an earlier attempt) already removed it. */
async function deleting(call: Promise<unknown>): Promise<DeleteOutcome> {
  try {
    await call;
    return 'deleted';
  } catch (error) {
    if (isNotFound(error)) return 'absent';
    throw error;
  }
}

/** DigitalOcean API v2, the parts notesctl uses. */
export class DigitalOceanClient {
  readonly #http: DigitalOceanHttp;

  constructor(options: DigitalOceanClientOptions) {
    if (options.token.trim() === '') {
      throw new UsageError('no DigitalOcean API token', {
        hint: 'create one at https://cloud.digitalocean.com/account/api/tokens',
      });
    }
    this.#http = new DigitalOceanHttp({
      baseUrl: checkBaseUrl(options.baseUrl ?? DEFAULT_API_URL),
      token: options.token.trim(),
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      userAgent: options.userAgent ?? 'notesctl',
      onRetry: options.onRetry,
    });
  }

  /** The base URL in use. */
  get baseUrl(): string {
    return this.#http.baseUrl;
  }

  /** Rate-limit headers of the latest answer. */
  get rateLimit(): RateLimitState | undefined {
    return this.#http.rateLimit;
  }

  /** `GET /v2/account`: who the token belongs to (a cheap check that the token works). */
  async account(): Promise<Account> {
    return ((await this.#http.request('GET', '/v2/account')).body as { account: Account }).account;
  }

  /** `GET /v2/regions`, every page. */
  listRegions(): Promise<Region[]> {
    return listAll<Region>(this.#http, '/v2/regions', 'regions');
  }

  /** `GET /v2/sizes`, every page. */
  listSizes(): Promise<Size[]> {
    return listAll<Size>(this.#http, '/v2/sizes', 'sizes');
  }

  /** `GET /v2/account/keys`, every page. */
  listKeys(options: { perPage?: number } = {}): Promise<SshKey[]> {
    return listAll<SshKey>(this.#http, '/v2/account/keys', 'ssh_keys', options);
  }

  /** `GET /v2/account/keys/{fingerprint}`; undefined when no key has that fingerprint. */
  async findKeyByFingerprint(fingerprint: string): Promise<SshKey | undefined> {
    try {
      const path = `/v2/account/keys/${encodeURIComponent(fingerprint)}`;
      return ((await this.#http.request('GET', path)).body as { ssh_key: SshKey }).ssh_key;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Register `publicKey` as `name`, or find it if it is registered already (DigitalOcean refuses a
   * second copy with 422 "SSH Key is already in use on your account"). `created` tells which.
   */
  async createKey(name: string, publicKey: string): Promise<{ key: SshKey; created: boolean }> {
    const fingerprint = md5Fingerprint(publicKey);
    const existing = await this.findKeyByFingerprint(fingerprint);
    if (existing !== undefined) return { key: existing, created: false };
    try {
      const body = { name, public_key: publicKey.trim() };
      const answer = await this.#http.request('POST', '/v2/account/keys', { body });
      return { key: (answer.body as { ssh_key: SshKey }).ssh_key, created: true };
    } catch (error) {
      // Another run may have registered it between our lookup and our POST: DigitalOcean then
      // answers 422 "SSH Key is already in use on your account", and the key is there to find.
      if (!(error instanceof DigitalOceanApiError) || error.status !== 422) throw error;
      const raced = await this.findKeyByFingerprint(fingerprint);
      if (raced !== undefined) return { key: raced, created: false };
      throw error;
    }
  }

  /** `DELETE /v2/account/keys/{id|fingerprint}`. */
  deleteKey(idOrFingerprint: number | string): Promise<DeleteOutcome> {
    const path = `/v2/account/keys/${encodeURIComponent(String(idOrFingerprint))}`;
    return deleting(this.#http.request('DELETE', path));
  }

  /** `POST /v2/droplets` (202): the new Droplet, status "new", and its create action. */
  async createDroplet(
    spec: DropletCreateRequest,
  ): Promise<{ droplet: Droplet; actions: ActionLink[] }> {
    const { body } = await this.#http.request('POST', '/v2/droplets', { body: spec });
    const answer = body as { droplet: Droplet; links?: { actions?: ActionLink[] } };
    return { droplet: answer.droplet, actions: answer.links?.actions ?? [] };
  }

  /** `GET /v2/droplets/{id}`. */
  async getDroplet(id: number, signal?: AbortSignal): Promise<Droplet> {
    const answer = await this.#http.request('GET', `/v2/droplets/${id}`, { signal });
    return (answer.body as { droplet: Droplet }).droplet;
  }

  /** Poll until the Droplet is active with a public IPv4 and resolve to that address. */
  waitForDropletActive(id: number, options: WaitForActiveOptions = {}): Promise<string> {
    return waitForActive((dropletId, signal) => this.getDroplet(dropletId, signal), id, options);
  }

  /** `POST /v2/droplets/{id}/actions` (201): start a power action; the action. */
  async dropletAction(id: number, type: DropletActionType): Promise<Action> {
    const path = `/v2/droplets/${id}/actions`;
    const answer = await this.#http.request('POST', path, { body: { type } });
    return (answer.body as { action: Action }).action;
  }

  /** `GET /v2/actions/{id}`. */
  async getAction(id: number): Promise<Action> {
    return ((await this.#http.request('GET', `/v2/actions/${id}`)).body as { action: Action })
      .action;
  }

  /** `DELETE /v2/droplets/{id}` (204). */
  deleteDroplet(id: number): Promise<DeleteOutcome> {
    return deleting(this.#http.request('DELETE', `/v2/droplets/${id}`));
  }

  /** `GET /v2/droplets?tag_name=`, every page. */
  listDropletsByTag(tag: string, options: { perPage?: number } = {}): Promise<Droplet[]> {
    const path = `/v2/droplets?tag_name=${encodeURIComponent(tag)}`;
    return listAll<Droplet>(this.#http, path, 'droplets', options);
  }

  /** `POST /v2/firewalls` (202). */
  async createFirewall(spec: FirewallCreateRequest): Promise<Firewall> {
    const { body } = await this.#http.request('POST', '/v2/firewalls', { body: spec });
    return (body as { firewall: Firewall }).firewall;
  }

  /** `GET /v2/firewalls/{id}`. */
  async getFirewall(id: string): Promise<Firewall> {
    const answer = await this.#http.request('GET', `/v2/firewalls/${encodeURIComponent(id)}`);
    return (answer.body as { firewall: Firewall }).firewall;
  }

  /** `GET /v2/droplets/{id}/firewalls`, every page: the firewalls applied to a Droplet. */
  listDropletFirewalls(dropletId: number): Promise<Firewall[]> {
    const path = `/v2/droplets/${dropletId}/firewalls`;
    return listAll<Firewall>(this.#http, path, 'firewalls');
  }

  /** `POST /v2/firewalls/{id}/rules` (204): add inbound rules to a firewall. */
  async addFirewallRules(id: string, inbound: InboundRule[]): Promise<void> {
    const path = `/v2/firewalls/${encodeURIComponent(id)}/rules`;
    await this.#http.request('POST', path, { body: { inbound_rules: inbound } });
  }

  /** `DELETE /v2/firewalls/{id}` (204). */
  deleteFirewall(id: string): Promise<DeleteOutcome> {
    return deleting(this.#http.request('DELETE', `/v2/firewalls/${encodeURIComponent(id)}`));
  }
}
