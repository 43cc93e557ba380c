// Droplets of the fake DigitalOcean API: create (single Droplets only), get, list (tag_name,
// name filters), delete. Create validates like the real API (422 with its wording for an unknown
// region, size, image or key) and, stricter than the real API, requires cloud-config user data.
import { parse } from 'yaml';
import type { Droplet, Image } from '../../../src/provision/digitalocean/types.ts';
import { IMAGES, REGIONS, SIZES } from './catalog.ts';
import type { DropletLifecycle } from './lifecycle.ts';
import { badRequest, noContent, notFound, page, unprocessable, type Reply } from './reply.ts';
import { findKey } from './routes-account.ts';
import type { Route } from './router.ts';
import type { FakeDroplet, FakeState } from './state.ts';

const DROPLET_NAME = /^[a-zA-Z0-9]?[a-z0-9A-Z.-]*[a-z0-9A-Z]$/;
const TAG_NAME = /^[a-zA-Z0-9_:-]{1,255}$/;
const MAX_USER_DATA = 64 * 1024;

let nextDropletId = 510_000_001;
let nextActionId = 2_300_000_001;

interface CreateBody {
  name?: unknown;
  names?: unknown;
  region?: unknown;
  size?: unknown;
  image?: unknown;
  ssh_keys?: unknown;
  user_data?: unknown;
  tags?: unknown;
  ipv6?: unknown;
  monitoring?: unknown;
}

function findImage(image: unknown): Image | undefined {
  return IMAGES.find((candidate) => candidate.slug === image || candidate.id === image);
}

/** Parse user_data as the fake requires it: a `#cloud-config` YAML mapping. */
function parseCloudConfig(userData: unknown): Record<string, unknown> | string {
  if (typeof userData !== 'string' || userData === '') {
    return 'user_data is required by this fake: notesctl always sends cloud-config';
  }
  if (Buffer.byteLength(userData) > MAX_USER_DATA) return 'user_data must not exceed 64 KiB';
  if (!userData.startsWith('#cloud-config\n')) return 'user_data must start with "#cloud-config"';
  try {
    const parsed: unknown = parse(userData);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
    return 'user_data is not a YAML mapping';
  } catch (error) {
    return `user_data is not valid YAML: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function createDroplet(
  state: FakeState,
  lifecycle: DropletLifecycle,
  body: unknown,
  publicUrl: string,
): Reply {
  if (typeof body !== 'object' || body === null) return badRequest('error parsing request body');
  const request = body as CreateBody;
  if (request.names !== undefined) {
    return unprocessable('this fake creates one Droplet per request: send "name", not "names"');
  }
  if (
    typeof request.name !== 'string' ||
    request.name.length > 255 ||
    !DROPLET_NAME.test(request.name)
  ) {
    return unprocessable('Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)');
  }
  const size = SIZES.find((candidate) => candidate.slug === request.size);
  if (size === undefined)
    return unprocessable('You specified an invalid size for Droplet creation.');
  const region =
    request.region === undefined
      ? REGIONS.find((candidate) => candidate.sizes.includes(size.slug))
      : REGIONS.find((candidate) => candidate.slug === request.region);
  if (region === undefined)
    return unprocessable('You specified an invalid region for Droplet creation.');
  const image = findImage(request.image);
  if (image === undefined)
    return unprocessable('You specified an invalid image for Droplet creation.');
  if (!region.sizes.includes(size.slug))
    return unprocessable('Size is not available in this region.');
  const keyRefs = Array.isArray(request.ssh_keys) ? (request.ssh_keys as unknown[]) : [];
  const unknownKeys = keyRefs.filter((ref) => findKey(state, String(ref)) === undefined);
  if (unknownKeys.length > 0) {
    return unprocessable(
      `${unknownKeys.map(String).join(', ')} are invalid key identifiers for Droplet creation.`,
    );
  }
  const tags = Array.isArray(request.tags) ? (request.tags as unknown[]) : [];
  const badTag = tags.find((tag) => typeof tag !== 'string' || !TAG_NAME.test(tag));
  if (badTag !== undefined) {
    return unprocessable(
      `tag ${JSON.stringify(badTag)}: tags may contain letters, numbers, colons, dashes, and underscores (at most 255)`,
    );
  }
  const cloudConfig = parseCloudConfig(request.user_data);
  if (typeof cloudConfig === 'string') return unprocessable(cloudConfig);
  const features = ['private_networking'];
  if (request.ipv6 === true) features.push('ipv6');
  if (request.monitoring === true) features.push('monitoring');
  const droplet: Droplet & Record<string, unknown> = {
    id: nextDropletId++,
    name: request.name,
    memory: size.memory,
    vcpus: size.vcpus,
    disk: size.disk,
    locked: false,
    status: 'new',
    kernel: null,
    created_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    features,
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image,
    volume_ids: [],
    size,
    size_slug: size.slug,
    networks: { v4: [], v6: [] },
    region,
    tags: tags as string[],
    vpc_uuid: '5a4981aa-9653-4bd1-bef5-d6bff52042e4',
  };
  const record: FakeDroplet = {
    droplet,
    userData: request.user_data as string,
    cloudConfig,
    sshPublicKeys: keyRefs.map((ref) => findKey(state, String(ref))?.public_key ?? ''),
  };
  state.droplets.set(droplet.id, record);
  lifecycle.begin(record);
  const actionId = nextActionId++;
  const actions = [{ id: actionId, rel: 'create', href: `${publicUrl}/v2/actions/${actionId}` }];
  return { status: 202, body: { droplet, links: { actions } } };
}

function deleteDroplet(state: FakeState, lifecycle: DropletLifecycle, id: string): Reply {
  const record = state.droplets.get(Number(id));
  if (record === undefined) return notFound();
  state.droplets.delete(record.droplet.id);
  for (const firewall of state.firewalls.values()) {
    firewall.droplet_ids = firewall.droplet_ids.filter(
      (dropletId) => dropletId !== record.droplet.id,
    );
  }
  lifecycle.end(record);
  return noContent();
}

/** Routes of this file. */
export function dropletRoutes(
  state: FakeState,
  lifecycle: DropletLifecycle,
  publicUrl: string,
): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v2\/droplets$/,
      handle: ({ body }) => createDroplet(state, lifecycle, body, publicUrl),
    },
    {
      method: 'GET',
      pattern: /^\/v2\/droplets$/,
      handle: ({ url }) => {
        const tag = url.searchParams.get('tag_name');
        const name = url.searchParams.get('name');
        const droplets = [...state.droplets.values()]
          .map((record) => record.droplet)
          .filter((droplet) => tag === null || droplet.tags.includes(tag))
          .filter((droplet) => name === null || droplet.name === name);
        return page(droplets, 'droplets', url, publicUrl);
      },
    },
    {
      method: 'GET',
      pattern: /^\/v2\/droplets\/(\d+)$/,
      handle: ({ params }) => {
        const record = state.droplets.get(Number(params[0]));
        return record === undefined
          ? notFound()
          : { status: 200, body: { droplet: record.droplet } };
      },
    },
    {
      method: 'DELETE',
      pattern: /^\/v2\/droplets\/(\d+)$/,
      handle: ({ params }) => deleteDroplet(state, lifecycle, params[0] ?? ''),
    },
  ];
}
