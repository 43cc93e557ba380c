/**
 * The site blocks whose Caddyfile text is pinned by golden/sites-NAME.caddy: the unit test
 * compares projectSites() with them, the edge-proxy integration test has Caddy adapt them.
 */
import type { ProxyRoute } from '../../../src/proxy/caddyfile.ts';

/** One golden case: projectSites('shop', routes) is golden/sites-`name`.caddy. */
export interface SitesCase {
  name: string;
  routes: ProxyRoute[];
}

/** Every TLS mode, the catch-all site, several hostnames and several upstreams. */
export const SITES_CASES: SitesCase[] = [
  {
    name: 'catch-all-http',
    routes: [
      { service: 'web', hosts: [], tls: { kind: 'off' }, upstreams: ['shop-web-1a2b3c4d:3000'] },
    ],
  },
  {
    name: 'named-tls-off',
    routes: [
      {
        service: 'web',
        hosts: ['a.localhost', 'www.a.localhost'],
        tls: { kind: 'off' },
        upstreams: ['shop-web-1a2b3c4d:3000'],
      },
    ],
  },
  {
    name: 'tls-auto',
    routes: [
      {
        service: 'web',
        hosts: ['shop.example.com', 'www.shop.example.com'],
        tls: { kind: 'auto' },
        upstreams: ['shop-web-1a2b3c4d:8080'],
      },
    ],
  },
  {
    name: 'tls-internal',
    routes: [
      {
        service: 'web',
        hosts: ['shop.lan'],
        tls: { kind: 'internal' },
        upstreams: ['shop-web-1a2b3c4d:8080'],
      },
    ],
  },
  {
    name: 'tls-files',
    routes: [
      {
        service: 'admin',
        hosts: ['admin.shop.internal'],
        tls: { kind: 'files', cert: 'admin_cert', key: 'admin_key' },
        upstreams: ['shop-admin-5e6f7a8b:3000'],
      },
    ],
  },
  {
    // Two services of one project, given out of order, one of them with two upstreams.
    name: 'two-services',
    routes: [
      {
        service: 'web',
        hosts: ['shop.example.com'],
        tls: { kind: 'auto' },
        upstreams: ['shop-web-1a2b3c4d:8080', 'shop-web-1a2b3c4d-2:8080'],
      },
      {
        service: 'api',
        hosts: ['api.localhost'],
        tls: { kind: 'off' },
        upstreams: ['shop-api-9c8d7e6f:4000'],
      },
    ],
  },
];
