/**
 * The top-level `proxy:` (issue 19): the edge proxy run on each host with `http:` services. Its
 * defaults, its ports against the services' published ports, its ACME settings, and the
 * network name it reserves.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../src/config/index.ts';
import { buildJsonSchema } from '../../../src/config/json-schema.ts';
import type { Topology } from '../../../src/model/topology.ts';
import { FIXTURE_FILE, problemsOf, yaml } from './helpers.ts';

const FIXTURE_DIR = resolve(FIXTURE_FILE, '..');

/** `proxy:` lines (from line 3) and then a web service `web` with `http:` on the local host. */
function withProxy(...lines: string[]): string {
  return yaml(
    'project: t',
    'proxy:',
    ...lines,
    'services:',
    '  web: { image: nginx:1, http: { port: 3000 } }',
  );
}

function load(text: string): Topology {
  return parseTopologyText(text, FIXTURE_FILE, {}, { home: '/home/tester' });
}

describe('proxy: accepted values and defaults', () => {
  const DEFAULTS = {
    image: 'caddy:2',
    httpPort: 80,
    httpsPort: 443,
    acme: { email: undefined, ca: undefined, caRoot: undefined },
  };

  it("is Caddy's image on ports 80 and 443 with Let's Encrypt when the key is absent", () => {
    expect(load(yaml('project: t', 'services:', '  a: { image: nginx:1 }')).proxy).toEqual(
      DEFAULTS,
    );
  });

  it('has the same defaults when the key is empty', () => {
    expect(load(withProxy()).proxy).toEqual(DEFAULTS);
  });

  it('takes every key; ca_root becomes an absolute path beside the topology', () => {
    const proxy = load(
      withProxy(
        '  image: registry.example.com/caddy:2.8',
        '  ports: { http: 8080, https: "8443" }',
        '  acme:',
        '    email: ops@example.com',
        '    ca: https://pebble:14000/dir',
        '    ca_root: ./certs/key.pem',
      ),
    ).proxy;
    expect(proxy).toEqual({
      image: 'registry.example.com/caddy:2.8',
      httpPort: 8080,
      httpsPort: 8443,
      acme: {
        email: 'ops@example.com',
        ca: 'https://pebble:14000/dir',
        caRoot: resolve(FIXTURE_DIR, 'certs/key.pem'),
      },
    });
  });

  it('lets a service publish 80 on a host where no http: service runs', () => {
    const text = yaml(
      'project: t',
      'hosts: { web1: { ssh: root@203.0.113.10 } }',
      'services:',
      '  web: { image: nginx:1, http: { port: 3000 } }',
      '  legacy: { image: nginx:1, ports: ["80:80"], host: web1 }',
      '  dns: { image: nginx:1, ports: ["443:53/udp"] }',
    );
    expect(problemsOf(text)).toEqual([]);
  });

  it('is in the JSON Schema, with http and replicas under a service', () => {
    const schema = buildJsonSchema() as {
      properties: Record<string, { anyOf?: { properties?: Record<string, unknown> }[] }>;
    };
    const proxy = schema.properties.proxy?.anyOf?.[0]?.properties ?? {};
    expect(Object.keys(proxy)).toEqual(['image', 'ports', 'acme']);
    const text = JSON.stringify(schema);
    expect(text).toContain('"http":{"description":"Served through the host\'s edge proxy');
    expect(text).toContain('"maximum":100,"description":"Containers run at once');
    expect(text).toContain('"enum":["auto","internal","off"]');
  });
});

describe('proxy: problems', () => {
  it('suggests the key meant by a typo at each level', () => {
    expect(
      problemsOf(withProxy('  imgae: caddy:2', '  ports: { htpt: 8080 }', '  acme: { emial: a }')),
    ).toEqual([
      '3:3 proxy.imgae: unknown key "imgae" — did you mean "image"?',
      '4:12 proxy.ports.htpt: unknown key "htpt" — did you mean "http"?',
      '5:11 proxy.acme.emial: unknown key "emial" — did you mean "email"?',
    ]);
  });

  it('refuses an image that is not a reference, and ports out of range', () => {
    expect(problemsOf(withProxy('  image: Caddy 2', '  ports: { http: 0, https: 70000 }'))).toEqual(
      [
        '3:10 proxy.image: expected an image reference like "caddy:2", got "Caddy 2"',
        '4:18 proxy.ports.http: expected a port number 1-65535, got 0',
        '4:28 proxy.ports.https: expected a port number 1-65535, got 70000',
      ],
    );
  });

  it('checks ports from variables', () => {
    const text = withProxy('  ports: { http: "${HTTP_PORT}" }');
    expect(problemsOf(text, { HTTP_PORT: '99999' })).toEqual([
      '3:18 proxy.ports.http: expected a port number 1-65535, got "99999"',
    ]);
  });

  it('needs two different ports, naming a default it collides with', () => {
    expect(problemsOf(withProxy('  ports: { http: 8080, https: 8080 }'))).toEqual([
      '3:31 proxy.ports.https: 8080 is also proxy.ports.http — HTTP and HTTPS need a port each',
    ]);
    expect(problemsOf(withProxy('  ports: { http: 443 }'))).toEqual([
      '3:18 proxy.ports.http: 443 is also proxy.ports.https (its default) — HTTP and HTTPS need a port each',
    ]);
  });

  it('refuses a service publishing a proxy port on a host the proxy runs on, naming both', () => {
    const text = yaml(
      'project: t',
      'proxy: { ports: { http: 8080 } }',
      'hosts: { web1: { ssh: root@203.0.113.10 } }',
      'services:',
      '  web: { image: nginx:1, http: { port: 3000 } }',
      '  old: { image: nginx:1, ports: ["8080:80", "127.0.0.1:443:443"] }',
      '  api: { image: nginx:1, http: { port: 3000, hosts: api.example.com }, host: web1 }',
      '  far: { image: nginx:1, ports: ["443:443"], host: web1 }',
    );
    expect(problemsOf(text)).toEqual([
      '6:34 services.old.ports[0]: host port 8080/tcp is published by the edge proxy (proxy.ports.http), which runs beside the http: services — use another host port or set proxy.ports.http',
      '6:45 services.old.ports[1]: host port 443/tcp is published by the edge proxy (proxy.ports.https, default 443), which runs beside the http: services — use another host port or set proxy.ports.https',
      '8:34 services.far.ports[0]: host port 443/tcp on host "web1" is published by the edge proxy (proxy.ports.https, default 443), which runs beside the http: services — use another host port or set proxy.ports.https',
    ]);
  });

  it('checks the ACME email and directory URL', () => {
    expect(
      problemsOf(withProxy('  acme:', '    email: ops', '    ca: http://pebble:14000/dir')),
    ).toEqual([
      '4:12 proxy.acme.email: expected an email address like "ops@example.com", got "ops"',
      '5:9 proxy.acme.ca: expected the https:// URL of an ACME directory, got "http://pebble:14000/dir" — ACME directories are served over HTTPS',
    ]);
    expect(problemsOf(withProxy('  acme: { ca: pebble }'))).toEqual([
      '3:15 proxy.acme.ca: expected the https:// URL of an ACME directory, got "pebble"',
    ]);
  });

  it('needs ca_root to be a file, looked for beside the topology', () => {
    const ca = '    ca: https://pebble:14000/dir';
    expect(problemsOf(withProxy('  acme:', ca, '    ca_root: ./pebble.pem'))).toEqual([
      `5:14 proxy.acme.ca_root: CA root "./pebble.pem" not found (looked for ${resolve(FIXTURE_DIR, 'pebble.pem')})`,
    ]);
    expect(problemsOf(withProxy('  acme:', ca, '    ca_root: certs'))).toEqual([
      `5:14 proxy.acme.ca_root: CA root "certs" is not a file (looked at ${resolve(FIXTURE_DIR, 'certs')})`,
    ]);
  });

  it('needs ca with ca_root', () => {
    expect(problemsOf(withProxy('  acme: { ca_root: ./certs/key.pem }'))).toEqual([
      "3:11 proxy.acme.ca_root: ca_root is the root to trust for your own ACME server, so it needs ca: — Let's Encrypt needs none; set ca or remove ca_root",
    ]);
  });

  it('reserves the network name edge', () => {
    const text = yaml(
      'project: t',
      'networks: { edge: {} }',
      'services:',
      '  web: { image: nginx:1, networks: [edge] }',
    );
    expect(problemsOf(text)).toEqual([
      '2:13 networks.edge: "edge" is reserved: notesctl puts the edge proxy and the http: services on a network of that name — rename this one (e.g. "public") here and in the services\' networks:',
    ]);
  });
});
