// What the fake DigitalOcean holds, exposed to tests so they can assert on it directly.
import type { Droplet, Firewall, SshKey } from '../../../src/provision/digitalocean/types.ts';

/** A Droplet as the fake keeps it: the API shape plus what the create request carried. */
export interface FakeDroplet {
  /** Exactly what GET /v2/droplets/{id} answers (kept current: status, networks). */
  droplet: Droplet;
  /** user_data as sent. */
  userData: string;
  /** user_data parsed as YAML (the fake requires #cloud-config). */
  cloudConfig: Record<string, unknown>;
  /** Public keys embedded for root, resolved from ssh_keys ids/fingerprints. */
  sshPublicKeys: string[];
  /** Why onDropletCreated failed, if it did (the Droplet then stays "new"). */
  failure?: string;
}

/** One request the fake received. */
export interface RequestLogEntry {
  /** Milliseconds since the epoch, when it arrived. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers without Authorization (the token is never recorded). */
  headers: Record<string, string>;
  /** How the request authenticated. */
  auth: 'valid' | 'invalid' | 'missing';
  body: unknown;
  status: number;
  /** Headers of the answer (rate limit, retry-after, request id). */
  replyHeaders: Record<string, string>;
}

/** Everything the fake holds. */
export interface FakeState {
  droplets: Map<number, FakeDroplet>;
  keys: Map<number, SshKey>;
  firewalls: Map<string, Firewall>;
  requests: RequestLogEntry[];
}

/** An empty account. */
export function emptyState(): FakeState {
  return { droplets: new Map(), keys: new Map(), firewalls: new Map(), requests: [] };
}
