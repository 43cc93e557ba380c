/**
 * Pebble, Let's Encrypt's ACME test server (test/bed/README.md "HTTPS: Caddy and Pebble"), in a
 * container on a test network under the name `pebble`: its ACME directory is
 * https://pebble:14000/dir, its API certificate is signed by the image's own CA, and the CA that
 * issues certificates is new at each start (fetched from its management port 15000).
 */
import { docker } from '../bed/docker-cli.ts';
import { pebbleApiCaPath, pebbleImage } from '../bed/images.ts';
import { until } from './until.ts';

/** A running Pebble. */
export interface Pebble {
  container: string;
  /** PEM of the CA that signed Pebble's API certificate (what `proxy.acme.ca_root` needs). */
  apiCa(): Promise<string>;
  /** PEM of the root that issues certificates (https://pebble:15000/roots/0). */
  issuingRoot(): Promise<string>;
  /** Pebble's log: orders, validations, issued serials. */
  log(): Promise<string>;
  /** New orders Pebble received (`POST /order-plz`, its newOrder endpoint). */
  orders(): Promise<number>;
}

/**
 * Start Pebble on `network` as `pebble` (plus `aliases`), healthy within 30 s. Pebble validates
 * HTTP-01 on port 80 and TLS-ALPN-01 on 443 of the name it certifies, resolved by Docker's DNS.
 */
export async function startPebble(
  container: string,
  network: string,
  aliases: string[] = [],
): Promise<Pebble> {
  const names = ['pebble', ...aliases].flatMap((a) => ['--network-alias', a]);
  await docker(['run', '-d', '--name', container, '--network', network, ...names, pebbleImage]);
  await until(async () => {
    const health = await docker(['inspect', '-f', '{{.State.Health.Status}}', container]);
    return health.stdout === 'healthy';
  }, 30_000);
  const cat = async (path: string) => (await docker(['exec', container, 'cat', path])).stdout;
  const log = async () => (await docker(['logs', container])).all;
  return {
    container,
    apiCa: () => cat(pebbleApiCaPath),
    issuingRoot: async () =>
      (
        await docker([
          'exec',
          container,
          'curl',
          '-fsS',
          '--cacert',
          pebbleApiCaPath,
          'https://localhost:15000/roots/0',
        ])
      ).stdout,
    log,
    orders: async () => (await log()).split('\n').filter((l) => l.includes('/order-plz')).length,
  };
}
