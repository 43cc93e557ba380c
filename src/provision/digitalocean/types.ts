/**
 * The parts of DigitalOcean's API v2 shapes that notesctl reads or sends, named as the published
 * reference names them (https://docs.digitalocean.com/reference/api/api-reference/, the OpenAPI
 * spec in github.com/digitalocean/openapi). Fields we never read are left out on purpose.
 */

/** The account behind the token (`GET /v2/account`). */
export interface Account {
  droplet_limit: number;
  floating_ip_limit: number;
  email: string;
  uuid: string;
  email_verified: boolean;
  status: 'active' | 'warning' | 'locked';
  status_message: string;
  team?: { uuid: string; name: string };
}

/** An SSH public key registered on the account (`/v2/account/keys`). */
export interface SshKey {
  id: number;
  /** MD5 colon-hex fingerprint of the key blob, e.g. `3b:16:bf:…:45:fa`. */
  fingerprint: string;
  public_key: string;
  name: string;
}

/** One IPv4 interface of a Droplet. */
export interface NetworkV4 {
  ip_address: string;
  netmask: string;
  gateway: string | null;
  type: 'public' | 'private';
}

/** One IPv6 interface of a Droplet. */
export interface NetworkV6 {
  ip_address: string;
  netmask: number;
  gateway: string;
  type: 'public';
}

/** Lifecycle states a Droplet reports. */
export type DropletStatus = 'new' | 'active' | 'off' | 'archive';

/** A region (`GET /v2/regions`). */
export interface Region {
  name: string;
  slug: string;
  features: string[];
  available: boolean;
  sizes: string[];
}

/** A Droplet size (`GET /v2/sizes`). */
export interface Size {
  slug: string;
  memory: number;
  vcpus: number;
  disk: number;
  transfer: number;
  price_monthly: number;
  price_hourly: number;
  regions: string[];
  available: boolean;
  description: string;
}

/** The image a Droplet was created from (the subset we read). */
export interface Image {
  id: number;
  name: string;
  distribution: string;
  slug: string | null;
  public: boolean;
  regions: string[];
}

/** A power action on a Droplet (`POST /v2/droplets/{id}/actions`). */
export type DropletActionType = 'power_on' | 'power_off' | 'shutdown' | 'reboot' | 'power_cycle';

/** An action (`/v2/actions/{id}`), the subset of fields notesctl reads. */
export interface Action {
  id: number;
  status: 'in-progress' | 'completed' | 'errored';
  type: string;
}

/** A Droplet (`/v2/droplets`), the subset of fields notesctl reads. */
export interface Droplet {
  id: number;
  name: string;
  memory: number;
  vcpus: number;
  disk: number;
  locked: boolean;
  status: DropletStatus;
  created_at: string;
  features: string[];
  image: Image;
  size_slug: string;
  networks: { v4: NetworkV4[]; v6: NetworkV6[] };
  region: Region;
  tags: string[];
}

/** Body of `POST /v2/droplets` for a single Droplet. */
export interface DropletCreateRequest {
  name: string;
  region: string;
  size: string;
  image: string | number;
  /** Ids or fingerprints of keys already registered on the account. */
  ssh_keys: (number | string)[];
  user_data: string;
  tags: string[];
  ipv6: boolean;
  monitoring: boolean;
}

/** An action link returned with a Droplet create (`links.actions[]`). */
export interface ActionLink {
  id: number;
  rel: string;
  href: string;
}

/** Where firewall traffic may come from or go to; we only use addresses. */
export interface FirewallTarget {
  addresses?: string[];
  droplet_ids?: number[];
  load_balancer_uids?: string[];
  kubernetes_ids?: string[];
  tags?: string[];
}

/** Protocols a firewall rule can name. */
export type FirewallProtocol = 'tcp' | 'udp' | 'icmp';

/** An inbound firewall rule. */
export interface InboundRule {
  protocol: FirewallProtocol;
  /**
   * A port, a range `8000-9000`, or `0` for all. Requests leave it out for icmp; answers always
   * carry it (`0` for icmp).
   */
  ports?: string;
  sources: FirewallTarget;
}

/** An outbound firewall rule. */
export interface OutboundRule {
  protocol: FirewallProtocol;
  /** As in InboundRule. */
  ports?: string;
  destinations: FirewallTarget;
}

/** Body of `POST /v2/firewalls`. */
export interface FirewallCreateRequest {
  name: string;
  inbound_rules: InboundRule[];
  outbound_rules: OutboundRule[];
  droplet_ids: number[];
  tags: string[];
}

/** A Cloud Firewall (`/v2/firewalls`). */
export interface Firewall extends FirewallCreateRequest {
  id: string;
  status: 'waiting' | 'succeeded' | 'failed';
  created_at: string;
  pending_changes: { droplet_id: number; removing: boolean; status: string }[];
}

/** The error body of every 4xx/5xx answer. */
export interface ApiErrorBody {
  id: string;
  message: string;
  request_id?: string;
}

/** `links` of a paginated collection: only the links that make sense are present. */
export interface PageLinks {
  pages?: { first?: string; prev?: string; next?: string; last?: string };
}
