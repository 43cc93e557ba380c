// The regions, sizes and images the fake knows: real slugs and figures from DigitalOcean's API
// reference examples and public price list, a few of each. Creating a Droplet with anything else
// is refused with the 422 the real API gives.
import type { Image, Region, Size } from '../../../src/provision/digitalocean/types.ts';

const REGION_FEATURES = [
  'backups',
  'ipv6',
  'metadata',
  'install_agent',
  'storage',
  'image_transfer',
];

const SIZES: Size[] = [
  ['s-1vcpu-512mb-10gb', 512, 1, 10, 0.5, 4],
  ['s-1vcpu-1gb', 1024, 1, 25, 1, 6],
  ['s-1vcpu-2gb', 2048, 1, 50, 2, 12],
  ['s-2vcpu-2gb', 2048, 2, 60, 3, 18],
  ['s-2vcpu-4gb', 4096, 2, 80, 4, 24],
  ['s-4vcpu-8gb', 8192, 4, 160, 5, 48],
].map(([slug, memory, vcpus, disk, transfer, monthly]) => ({
  slug: slug as string,
  memory: memory as number,
  vcpus: vcpus as number,
  disk: disk as number,
  transfer: transfer as number,
  price_monthly: monthly as number,
  price_hourly: Math.round(((monthly as number) / 672) * 100000) / 100000,
  regions: [] as string[],
  available: true,
  description: 'Basic',
}));

const REGION_NAMES: [string, string][] = [
  ['ams3', 'Amsterdam 3'],
  ['blr1', 'Bangalore 1'],
  ['fra1', 'Frankfurt 1'],
  ['lon1', 'London 1'],
  ['nyc1', 'New York 1'],
  ['nyc3', 'New York 3'],
  ['sfo3', 'San Francisco 3'],
  ['sgp1', 'Singapore 1'],
  ['syd1', 'Sydney 1'],
  ['tor1', 'Toronto 1'],
];

/** Regions; every size is offered everywhere except the smallest, which is not in blr1. */
export const REGIONS: Region[] = REGION_NAMES.map(([slug, name]) => ({
  slug,
  name,
  features: REGION_FEATURES,
  available: true,
  sizes: SIZES.filter((size) => !(slug === 'blr1' && size.slug === 's-1vcpu-512mb-10gb')).map(
    (size) => size.slug,
  ),
}));

for (const size of SIZES) {
  size.regions = REGIONS.filter((region) => region.sizes.includes(size.slug)).map((r) => r.slug);
}

/** Sizes. */
export { SIZES };

/** Public distribution images, by slug and id. */
export const IMAGES: Image[] = [
  [129211873, 'ubuntu-24-04-x64', '24.04 (LTS) x64', 'Ubuntu'],
  [129211874, 'ubuntu-22-04-x64', '22.04 (LTS) x64', 'Ubuntu'],
  [129211875, 'debian-12-x64', '12 x64', 'Debian'],
].map(([id, slug, name, distribution]) => ({
  id: id as number,
  slug: slug as string,
  name: name as string,
  distribution: distribution as string,
  public: true,
  regions: REGION_NAMES.map(([region]) => region),
}));
