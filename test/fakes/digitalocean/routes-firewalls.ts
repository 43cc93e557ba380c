// Cloud Firewalls of the fake DigitalOcean API: create (202, status "waiting", then "succeeded"),
// get, delete, add rules (204), and the firewalls applied to a Droplet. Rules are validated and
// stored; no traffic is filtered (see server.ts). Sources and destinations may be addresses,
// Droplet ids or tags (tags in the Droplet tag format; the real API also takes load balancers
// and Kubernetes clusters, which the fake only stores).
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type {
  Firewall,
  FirewallTarget,
  InboundRule,
  OutboundRule,
} from '../../../src/provision/digitalocean/types.ts';
import { badRequest, noContent, notFound, page, type Reply } from './reply.ts';
import type { Route } from './router.ts';
import type { FakeState } from './state.ts';

const FIREWALL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9.-]+$/;
const TAG_NAME = /^[a-zA-Z0-9_:-]{1,255}$/;
/** How long a new firewall reports "waiting" before "succeeded". */
const APPLY_MS = 50;

type RawRule = { protocol?: unknown; ports?: unknown; sources?: unknown; destinations?: unknown };

function validAddress(address: unknown): boolean {
  if (typeof address !== 'string') return false;
  const [ip = '', prefix, ...rest] = address.split('/');
  const family = isIP(ip);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function validPorts(ports: unknown): boolean {
  if (ports === '0') return true;
  if (typeof ports !== 'string' || !/^\d+(-\d+)?$/.test(ports)) return false;
  const [low = 0, high = low] = ports.split('-').map(Number);
  return low >= 1 && high <= 65535 && low <= high;
}

/** The rule as stored and answered, or why it is refused. */
function checkRule(
  raw: RawRule,
  side: 'sources' | 'destinations',
  where: string,
): string | RawRule {
  if (raw.protocol !== 'tcp' && raw.protocol !== 'udp' && raw.protocol !== 'icmp') {
    return `${where}: protocol must be one of tcp, udp, icmp`;
  }
  if (raw.protocol !== 'icmp' && !validPorts(raw.ports)) {
    return `${where}: ports must be a port, a range like 8000-9000, or 0 for all`;
  }
  const target = (raw[side] ?? {}) as FirewallTarget;
  const addresses = target.addresses ?? [];
  const others = [
    target.droplet_ids,
    target.tags,
    target.load_balancer_uids,
    target.kubernetes_ids,
  ];
  if (addresses.length === 0 && others.every((list) => (list ?? []).length === 0)) {
    return `${where}: ${side} must name at least one address, Droplet, tag, load balancer or cluster`;
  }
  const bad = addresses.find((address) => !validAddress(address));
  if (bad !== undefined) return `${where}: "${bad}" is not an IP address or CIDR`;
  const badTag = (target.tags ?? []).find((tag) => typeof tag !== 'string' || !TAG_NAME.test(tag));
  if (badTag !== undefined) return `${where}: ${JSON.stringify(badTag)} is not a valid tag name`;
  // ICMP has no ports; the API always answers "0" for it.
  return {
    protocol: raw.protocol,
    ports: raw.protocol === 'icmp' ? '0' : raw.ports,
    [side]: target,
  };
}

function createFirewall(state: FakeState, body: unknown): Reply {
  if (typeof body !== 'object' || body === null) return badRequest('error parsing request body');
  const request = body as Record<string, unknown>;
  if (typeof request.name !== 'string' || !FIREWALL_NAME.test(request.name)) {
    return badRequest(
      'name must begin with a letter or digit and contain only letters, digits, "." and "-"',
    );
  }
  const inbound = Array.isArray(request.inbound_rules) ? (request.inbound_rules as RawRule[]) : [];
  const outbound = Array.isArray(request.outbound_rules)
    ? (request.outbound_rules as RawRule[])
    : [];
  if (inbound.length + outbound.length === 0) {
    return badRequest('must specify at least one inbound or outbound rule');
  }
  const rules = [
    ...inbound.map((rule, i) => checkRule(rule, 'sources', `inbound_rules[${i}]`)),
    ...outbound.map((rule, i) => checkRule(rule, 'destinations', `outbound_rules[${i}]`)),
  ];
  const problem = rules.find((rule) => typeof rule === 'string');
  if (problem !== undefined) return badRequest(problem);
  const dropletIds = Array.isArray(request.droplet_ids) ? (request.droplet_ids as unknown[]) : [];
  const missing = dropletIds.filter((id) => typeof id !== 'number' || !state.droplets.has(id));
  if (missing.length > 0)
    return badRequest(`droplet_ids: ${missing.map(String).join(', ')} not found`);
  const firewall: Firewall = {
    id: randomUUID(),
    name: request.name,
    status: 'waiting',
    created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    inbound_rules: rules.slice(0, inbound.length) as InboundRule[],
    outbound_rules: rules.slice(inbound.length) as OutboundRule[],
    droplet_ids: dropletIds as number[],
    tags: Array.isArray(request.tags) ? (request.tags as string[]) : [],
    pending_changes: (dropletIds as number[]).map((id) => ({
      droplet_id: id,
      removing: false,
      status: 'waiting',
    })),
  };
  state.firewalls.set(firewall.id, firewall);
  const answer = structuredClone(firewall);
  setTimeout(() => {
    firewall.status = 'succeeded';
    firewall.pending_changes = [];
  }, APPLY_MS).unref();
  return { status: 202, body: { firewall: answer } };
}

/** `POST /v2/firewalls/{id}/rules`: append the rules (validated as on create); 204. */
function addRules(state: FakeState, id: string, body: unknown): Reply {
  const firewall = state.firewalls.get(id);
  if (firewall === undefined) return notFound();
  if (typeof body !== 'object' || body === null) return badRequest('error parsing request body');
  const request = body as Record<string, unknown>;
  const inbound = Array.isArray(request.inbound_rules) ? (request.inbound_rules as RawRule[]) : [];
  const outbound = Array.isArray(request.outbound_rules)
    ? (request.outbound_rules as RawRule[])
    : [];
  if (inbound.length + outbound.length === 0) {
    return badRequest('must specify at least one inbound or outbound rule');
  }
  const rules = [
    ...inbound.map((rule, i) => checkRule(rule, 'sources', `inbound_rules[${i}]`)),
    ...outbound.map((rule, i) => checkRule(rule, 'destinations', `outbound_rules[${i}]`)),
  ];
  const problem = rules.find((rule) => typeof rule === 'string');
  if (problem !== undefined) return badRequest(problem);
  firewall.inbound_rules.push(...(rules.slice(0, inbound.length) as InboundRule[]));
  firewall.outbound_rules.push(...(rules.slice(inbound.length) as OutboundRule[]));
  return noContent();
}

/** `GET /v2/droplets/{id}/firewalls`: the firewalls that name the Droplet or one of its tags. */
function dropletFirewalls(state: FakeState, id: string, url: URL, publicUrl: string): Reply {
  const record = state.droplets.get(Number(id));
  if (record === undefined) return notFound();
  const { droplet } = record;
  const applied = [...state.firewalls.values()].filter(
    (f) => f.droplet_ids.includes(droplet.id) || f.tags.some((t) => droplet.tags.includes(t)),
  );
  return page(applied, 'firewalls', url, publicUrl);
}

/** Routes of this file. */
export function firewallRoutes(state: FakeState, publicUrl: string): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v2\/firewalls\/([^/]+)\/rules$/,
      handle: ({ params, body }) => addRules(state, params[0] ?? '', body),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/droplets\/(\d+)\/firewalls$/,
      handle: ({ params, url }) => dropletFirewalls(state, params[0] ?? '', url, publicUrl),
    },
    {
      method: 'POST',
      pattern: /^\/v2\/firewalls$/,
      handle: ({ body }) => createFirewall(state, body),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/firewalls\/([^/]+)$/,
      handle: ({ params }) => {
        const firewall = state.firewalls.get(params[0] ?? '');
        return firewall === undefined ? notFound() : { status: 200, body: { firewall } };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\/firewalls\/([^/]+)$/,
      handle: ({ params }) => {
        if (!state.firewalls.delete(params[0] ?? '')) return notFound();
        return noContent();
      },
    },
  ];
}
