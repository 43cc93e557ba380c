/**
 * One edge proxy per host: a topology may not move the ports it publishes for other projects.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerSummary } from '../../../src/engine/engine.ts';
import { RuntimeError } from '../../../src/errors.ts';
import type { Topology } from '../../../src/model/topology.ts';
import type { ObservedState } from '../../../src/plan/types.ts';
import {
  checkProxyPorts,
  digestObservedSecrets,
  secretDigestOf,
} from '../../../src/targets/docker/proxy-inputs.ts';
import { makeProxySettings, RELEASE_SETTINGS, makeService } from '../../support/model-fixtures.ts';

function topology(http: number, https: number): Topology {
  return {
    project: 'shop',
    file: '/srv/shop/notesctl.config.yaml',
    directory: '/srv/shop',
    hosts: {},
    clusters: {},
    networks: {},
    volumes: {},
    secrets: {},
    services: {},
    releases: RELEASE_SETTINGS,
    proxy: makeProxySettings({ httpPort: http, httpsPort: https }),
  };
}

function observedProxy(networks: string[]): ObservedState {
  const container: ContainerSummary = {
    id: 'p1',
    name: 'notesctl-edge-proxy',
    image: 'caddy:2',
    imageId: 'sha256:c',
    labels: {},
    state: 'running',
    status: 'Up 1 minute',
    health: undefined,
    exitCode: undefined,
    createdAt: new Date(0),
    ports: [
      { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
      { hostIp: '0.0.0.0', hostPort: 8443, containerPort: 443, protocol: 'tcp' },
    ],
    networks,
  };
  return { containers: [], networks: [], volumes: [], proxy: { container, files: {} } };
}

describe('checkProxyPorts', () => {
  it('refuses other ports while the proxy serves another project, naming ports, project and fix', () => {
    const run = () =>
      checkProxyPorts(observedProxy(['blog_edge', 'shop_edge']), topology(80, 443), 'web1');
    expect(run).toThrow(RuntimeError);
    expect(run).toThrow(
      'the edge proxy on web1 publishes 8080/8443 (HTTP/HTTPS) for other projects (blog); /srv/shop/notesctl.config.yaml asks for 80/443',
    );
  });

  it('accepts the same ports, and any ports when only this project is behind it', () => {
    expect(() =>
      checkProxyPorts(observedProxy(['blog_edge']), topology(8080, 8443), 'web1'),
    ).not.toThrow();
    expect(() =>
      checkProxyPorts(observedProxy(['shop_edge']), topology(80, 443), 'web1'),
    ).not.toThrow();
    expect(() =>
      checkProxyPorts({ containers: [], networks: [], volumes: [] }, topology(80, 443), 'web1'),
    ).not.toThrow();
  });
});

describe('digestObservedSecrets', () => {
  it("replaces each certificate file the proxy holds by its secret's HMAC, once, with two services", () => {
    const tls = (name: string) => ({
      kind: 'files' as const,
      cert: `${name}_crt`,
      key: `${name}_key`,
    });
    const web = (name: string) =>
      makeService(name, {
        http: {
          hosts: [`${name}.example.com`],
          port: 80,
          path: '/',
          tls: tls(name),
          drainTimeoutMs: 1,
        },
      });
    const shop = { ...topology(80, 443), services: { a: web('a'), b: web('b') } };
    const observed = observedProxy(['shop_edge']);
    const paths = ['a.crt', 'a.key', 'b.crt', 'b.key'].map((f) => `files/shop-${f}`);
    const held = observed.proxy?.files ?? {};
    for (const path of paths) held[path] = `pem of ${path}`;
    const key = Buffer.from('store key');
    digestObservedSecrets(observed, shop, 'local', key);
    const secrets = ['a_crt', 'a_key', 'b_crt', 'b_key'];
    expect(paths.map((p) => observed.proxy?.files[p])).toEqual(
      paths.map((p, i) => secretDigestOf(key, secrets[i] ?? '', Buffer.from(`pem of ${p}`))),
    );
  });
});
