/**
 * The edge proxy's Caddyfile text (src/proxy/caddyfile.ts, issue 19), compared with committed
 * golden files under golden/: a change in what the proxy is told fails here until the golden is
 * updated on purpose (`vitest -u`) and the diff reviewed. The integration file
 * edge-proxy.test.ts has the real Caddy adapt the same goldens, so they are Caddyfiles it takes.
 */
import { describe, expect, it } from 'vitest';
import {
  ACME_ROOT_FILE,
  certFiles,
  mainCaddyfile,
  projectSites,
  type ProxyRoute,
} from '../../../src/proxy/caddyfile.ts';
import { PROXY_DIR } from '../../../src/proxy/names.ts';
import { makeProxySettings } from '../../support/model-fixtures.ts';
import { SITES_CASES } from './caddyfile-cases.ts';

describe('mainCaddyfile', () => {
  it('holds only the admin endpoint (inside the container) and the import of every project', async () => {
    const text = mainCaddyfile(makeProxySettings());
    await expect(text).toMatchFileSnapshot('golden/main-default.caddy');
    expect(text).toContain(`import ${PROXY_DIR}/sites/*.caddy`);
  });

  it('carries the ACME email, CA and the CA root from the proxy folder', async () => {
    const text = mainCaddyfile(
      makeProxySettings({
        httpPort: 8080,
        httpsPort: 8443,
        acme: {
          email: 'ops@example.com',
          ca: 'https://pebble:14000/dir',
          // The operator's path never reaches the proxy: the file is copied to ACME_ROOT_FILE.
          caRoot: '/home/op/certs/pebble-root.pem',
        },
      }),
    );
    await expect(text).toMatchFileSnapshot('golden/main-acme.caddy');
    expect(text).not.toContain('/home/op');
    expect(text).toContain(`acme_ca_root ${PROXY_DIR}/${ACME_ROOT_FILE}`);
  });
});

describe('projectSites', () => {
  it.each(SITES_CASES)('$name (golden)', async ({ name, routes }) => {
    await expect(projectSites('shop', routes)).toMatchFileSnapshot(`golden/sites-${name}.caddy`);
  });

  it('sends HSTS and leaves the scheme to Caddy only where HTTPS is served', () => {
    const sites = (tls: ProxyRoute['tls']) =>
      projectSites('shop', [{ service: 'web', hosts: ['a.example.com'], tls, upstreams: ['w:1'] }]);
    for (const tls of [{ kind: 'auto' }, { kind: 'internal' }] as const) {
      expect(sites(tls)).toContain('\na.example.com {');
      expect(sites(tls)).toContain('Strict-Transport-Security');
    }
    expect(sites({ kind: 'off' })).toContain('\nhttp://a.example.com {');
    expect(sites({ kind: 'off' })).not.toContain('Strict-Transport-Security');
  });

  it('points tls files at the paths certFiles gives, under the proxy folder', () => {
    const { cert, key } = certFiles('shop', 'admin');
    const text = projectSites('shop', [
      {
        service: 'admin',
        hosts: ['admin.shop.internal'],
        tls: { kind: 'files', cert: 'admin_cert', key: 'admin_key' },
        upstreams: ['shop-admin-1:3000'],
      },
    ]);
    expect(text).toContain(`\ttls ${PROXY_DIR}/${cert} ${PROXY_DIR}/${key}\n`);
    // The secrets' names are the store's business, never the proxy's.
    expect(text).not.toContain('admin_cert');
  });

  it('writes the services in name order whatever order they come in', () => {
    const route = (service: string): ProxyRoute => ({
      service,
      hosts: [`${service}.localhost`],
      tls: { kind: 'off' },
      upstreams: [`${service}-1:80`],
    });
    const forward = projectSites('shop', [route('a'), route('b'), route('c')]);
    expect(projectSites('shop', [route('c'), route('a'), route('b')])).toBe(forward);
  });
});
