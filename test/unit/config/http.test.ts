/**
 * `services.NAME.http` and `replicas` (issue 19): web services served through the host's edge
 * proxy. What they normalise to (defaults included), and every problem, located, all at once.
 */
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../src/config/index.ts';
import type { Service } from '../../../src/model/topology.ts';
import { FIXTURE_FILE, problemsOf, yaml } from './helpers.ts';

/** Lines 1-6: a project with a file secret `crt` and a generated one `gen`; services follow. */
const HEAD = [
  'project: t',
  'secrets:',
  '  crt: { file: ./certs/key.pem }',
  '  gen: { generate: true }',
  'volumes: { v: {} }',
  'services:',
];

/** A topology whose service `web` (line 7) has `lines` (line 9 on), after `image:`. */
function web(...lines: string[]): string {
  return yaml(...HEAD, '  web:', '    image: nginx:1', ...lines);
}

function serviceOf(text: string, name = 'web', env = {}): Service {
  const topology = parseTopologyText(text, FIXTURE_FILE, env, { home: '/home/tester' });
  const service = topology.services[name];
  if (!service) throw new Error(`no service ${name}`);
  return service;
}

describe('services.NAME.http: accepted values and defaults', () => {
  it('is undefined, with one replica, for a service without http:', () => {
    const service = serviceOf(web());
    expect(service.http).toBeUndefined();
    expect(service.replicas).toBe(1);
  });

  it('needs only port: every hostname, path "/", TLS off, 30 s to drain', () => {
    expect(serviceOf(web('    http: { port: 3000 }')).http).toEqual({
      hosts: [],
      port: 3000,
      path: '/',
      tls: { kind: 'off' },
      drainTimeoutMs: 30_000,
    });
  });

  it('takes every key: hostnames lower-cased and sorted, durations in ms', () => {
    const service = serviceOf(
      web(
        '    http:',
        '      hosts: [www.Notes.example.com, notes.example.com]',
        '      port: 3000',
        '      path: /health?full=1',
        '      tls: internal',
        '      drain_timeout: 1m30s',
        '    replicas: 1',
      ),
    );
    expect(service.http).toEqual({
      hosts: ['notes.example.com', 'www.notes.example.com'],
      port: 3000,
      path: '/health?full=1',
      tls: { kind: 'internal' },
      drainTimeoutMs: 90_000,
    });
    expect(service.replicas).toBe(1);
  });

  it('takes a single hostname as a string, and the port from a variable', () => {
    const http = serviceOf(web('    http: { hosts: notes.example.com, port: "${PORT}" }'), 'web', {
      PORT: '8080',
    }).http;
    expect(http?.hosts).toEqual(['notes.example.com']);
    expect(http?.port).toBe(8080);
  });

  it('defaults tls to auto when a hostname is public', () => {
    const http = serviceOf(
      web('    http: { hosts: [notes.test, notes.example.com], port: 1 }'),
    ).http;
    expect(http?.tls).toEqual({ kind: 'auto' });
  });

  it.each([
    'localhost',
    'notes.localhost',
    '10.0.0.5',
    'box',
    'notes.test',
    'nas.local',
    'db.internal',
    'notes.example',
    'x.invalid',
    'router.lan',
    'nas.home.arpa',
  ])('defaults tls to off for %s (no public CA certifies it)', (host) => {
    expect(serviceOf(web(`    http: { hosts: [${host}], port: 1 }`)).http?.tls).toEqual({
      kind: 'off',
    });
  });

  it('takes tls: off, and { cert, key } naming file secrets', () => {
    expect(serviceOf(web('    http: { hosts: x.com, port: 1, tls: off }')).http?.tls).toEqual({
      kind: 'off',
    });
    const files = web('    http: { hosts: x.com, port: 1, tls: { cert: crt, key: crt } }');
    expect(serviceOf(files).http?.tls).toEqual({ kind: 'files', cert: 'crt', key: 'crt' });
  });

  it('takes tls: auto for private names when proxy.acme.ca names another ACME server', () => {
    const text = web('    http: { hosts: notes.test, port: 1, tls: auto }').replace(
      'services:',
      'proxy: { acme: { ca: "https://pebble:14000/dir" } }\nservices:',
    );
    expect(serviceOf(text).http?.tls).toEqual({ kind: 'auto' });
  });

  it('takes a wildcard hostname with tls: internal', () => {
    const text = web('    http: { hosts: ["*.example.com"], port: 1, tls: internal }');
    expect(serviceOf(text).http?.hosts).toEqual(['*.example.com']);
  });

  it('takes several replicas of a web service, with read-only volumes', () => {
    const text = web(
      '    http: { hosts: ["*.example.com"], port: 1, tls: internal }',
      '    volumes: ["v:/assets:ro"]',
      '    replicas: 2',
    );
    expect(problemsOf(text)).toEqual([]);
    expect(serviceOf(text).replicas).toBe(2);
  });

  it('lets services on different hosts each take every hostname', () => {
    const text = yaml(
      'project: t',
      'hosts: { web1: { ssh: root@203.0.113.10 } }',
      'services:',
      '  a: { image: nginx:1, http: { port: 1 } }',
      '  b: { image: nginx:1, http: { port: 1 }, host: web1 }',
    );
    expect(problemsOf(text)).toEqual([]);
  });
});

describe('services.NAME.http: hostnames', () => {
  it.each([
    ['https://notes.example.com/app', 'expected a hostname, got a URL: write notes.example.com'],
    [
      '"notes.example.com:8080"',
      'expected a hostname without a port, got "notes.example.com:8080": write notes.example.com (the proxy listens on proxy.ports)',
    ],
    [
      'notes.example.com/app',
      'expected a hostname without a path, got "notes.example.com/app": write notes.example.com (the proxy routes by hostname only)',
    ],
    ['"*"', 'expected a hostname, got "*" — leave hosts out to serve every hostname'],
    [
      'notes_app.com',
      'expected a hostname like "notes.example.com" (letters, digits, "-" and ".", "*." first for a wildcard), got "notes_app.com"',
    ],
    [
      '-notes.com',
      'expected a hostname like "notes.example.com" (letters, digits, "-" and ".", "*." first for a wildcard), got "-notes.com"',
    ],
  ])('refuses %s', (host, message) => {
    expect(problemsOf(web(`    http: { hosts: ${host}, port: 1 }`))).toEqual([
      `9:20 services.web.http.hosts: ${message}`,
    ]);
  });

  it('locates a bad entry of a list by its index', () => {
    expect(problemsOf(web('    http: { hosts: [x.com, "x.com:80"], port: 1 }'))).toEqual([
      '9:28 services.web.http.hosts[1]: expected a hostname without a port, got "x.com:80": write x.com (the proxy listens on proxy.ports)',
    ]);
  });

  it('refuses a hostname listed twice in one service, whatever its case', () => {
    expect(problemsOf(web('    http: { hosts: [x.com, X.com], port: 1 }'))).toEqual([
      '9:28 services.web.http.hosts[1]: "x.com" is listed twice (first at services.web.http.hosts[0]) — remove one',
    ]);
  });

  it('refuses a hostname claimed by two services, naming the first', () => {
    const text = web(
      '    http: { hosts: [x.com], port: 1 }',
      '  api:',
      '    image: nginx:1',
      '    http: { hosts: [api.x.com, x.com], port: 1 }',
    );
    expect(problemsOf(text)).toEqual([
      '12:32 services.api.http.hosts[1]: "x.com" is already routed to web (services.web.http.hosts[0]) — a hostname goes to one service; remove it from one of them',
    ]);
  });

  it('refuses two services taking every hostname on one host', () => {
    const text = web(
      '    http: { port: 1 }',
      '  api:',
      '    image: nginx:1',
      '    http:',
      '      port: 1',
    );
    expect(problemsOf(text)).toEqual([
      '12:5 services.api.http: services.web.http already takes every hostname (it lists no hosts) — give one of them hosts:',
    ]);
  });
});

describe('services.NAME.http: tls', () => {
  it('suggests tls for tsl', () => {
    expect(problemsOf(web('    http: { hosts: x.com, port: 1, tsl: auto }'))).toEqual([
      '9:36 services.web.http.tsl: unknown key "tsl" — did you mean "tls"?',
    ]);
  });

  it('suggests auto for atuo', () => {
    expect(problemsOf(web('    http: { hosts: x.com, port: 1, tls: atuo }'))).toEqual([
      '9:41 services.web.http.tls: expected "auto", "internal", "off" or { cert, key }, got "atuo" — did you mean "auto"?',
    ]);
  });

  it('says to write off for false', () => {
    expect(problemsOf(web('    http: { hosts: x.com, port: 1, tls: false }'))).toEqual([
      '9:41 services.web.http.tls: expected "auto", "internal", "off" or { cert, key }, got false — write off',
    ]);
  });

  it('reports an unknown key of { cert, key } with a suggestion, and the missing key', () => {
    expect(
      problemsOf(web('    http: { hosts: x.com, port: 1, tls: { cert: crt, kye: crt } }')),
    ).toEqual([
      '9:36 services.web.http.tls.key: missing required key "key"',
      '9:54 services.web.http.tls.kye: unknown key "kye" — did you mean "key"?',
    ]);
  });

  it('checks that cert and key name declared secrets holding files', () => {
    expect(
      problemsOf(web('    http: { hosts: x.com, port: 1, tls: { cert: ctr, key: gen } }')),
    ).toEqual([
      '9:49 services.web.http.tls.cert: unknown secret "ctr" — did you mean "crt"?',
      '9:59 services.web.http.tls.key: secret "gen" is generated (random bytes), not a PEM private key — declare it with file: or env:',
    ]);
  });

  it('needs hostnames for auto and internal', () => {
    const text = web(
      '    http: { port: 1, tls: auto }',
      '  api:',
      '    image: nginx:1',
      '    http: { port: 1, tls: internal, hosts: [] }',
      '    host: web1',
    ).replace('volumes:', 'hosts: { web1: { ssh: root@203.0.113.10 } }\nvolumes:');
    expect(problemsOf(text)).toEqual([
      '10:27 services.web.http.tls: tls: auto needs hostnames — ACME issues certificates for names; list them under hosts: or use tls: off',
      "13:27 services.api.http.tls: tls: internal needs hostnames — the proxy's CA issues certificates for names; list them under hosts: or use tls: off",
    ]);
  });

  it("refuses tls: auto when Let's Encrypt can certify none of the hostnames, saying why", () => {
    const hosts = '[notes.test, localhost, 10.0.0.5, box]';
    expect(problemsOf(web(`    http: { hosts: ${hosts}, port: 1, tls: auto }`))).toEqual([
      '9:74 services.web.http.tls: tls: auto gets certificates from Let\'s Encrypt, which issues none for "notes.test" (a special-use name, .test), "localhost" (a name for this machine), "10.0.0.5" (an IP address), "box" (a single-label name) — use tls: internal, or set proxy.acme.ca to an ACME server that does',
    ]);
  });

  it('refuses a wildcard under tls: auto, saying when auto is only the default', () => {
    expect(problemsOf(web('    http: { hosts: ["*.example.com"], port: 1 }'))).toEqual([
      '9:21 services.web.http.hosts[0]: ACME cannot issue a certificate for the wildcard "*.example.com" without a DNS challenge, which the proxy does not do (tls is auto by default for public hostnames) — list each hostname, or use tls: internal or tls: { cert, key }',
    ]);
  });
});

describe('services.NAME.http: port, path, drain_timeout, ports', () => {
  it('requires port', () => {
    expect(problemsOf(web('    http: { hosts: x.com }'))).toEqual([
      '9:5 services.web.http.port: missing required key "port"',
    ]);
  });

  it('reports a bad port, path and drain_timeout together', () => {
    expect(
      problemsOf(web('    http: { hosts: x.com, port: 70000, path: health, drain_timeout: 5x }')),
    ).toEqual([
      '9:33 services.web.http.port: expected a port number 1-65535, got 70000',
      '9:46 services.web.http.path: expected a path starting with "/", got "health" — write "/health"',
      '9:69 services.web.http.drain_timeout: expected a duration like "10s", "500ms" or "1m30s", or a number of seconds, got "5x"',
    ]);
  });

  it('checks a port from a variable, and a path with a space', () => {
    const text = web('    http: { hosts: x.com, port: "${PORT}", path: "/a b" }');
    expect(problemsOf(text, { PORT: '0' })).toEqual([
      '9:33 services.web.http.port: expected a port number 1-65535, got "0"',
      '9:50 services.web.http.path: expected a path like "/health" (starting with "/", no spaces), got "/a b"',
    ]);
  });

  it('refuses ports: beside http:, naming both', () => {
    expect(problemsOf(web('    ports: ["8080:3000"]', '    http: { port: 3000 }'))).toEqual([
      '9:5 services.web.ports: use either ports: or http:, not both — the edge proxy publishes an http: service; remove ports or http',
    ]);
  });
});

describe('services.NAME.replicas', () => {
  it('refuses more than one replica without http:', () => {
    expect(problemsOf(web('    replicas: 2'))).toEqual([
      '9:15 services.web.replicas: replicas: 2 needs http: — only the edge proxy spreads requests over several containers; add http: or remove replicas',
    ]);
  });

  it('refuses replicas that would share a writable volume, naming the mount', () => {
    const text = web(
      '    http: { port: 1 }',
      '    volumes: ["v:/assets:ro", "v:/data"]',
      '    replicas: 3',
    );
    expect(problemsOf(text)).toEqual([
      '11:15 services.web.replicas: replicas: 3 would have 3 containers write to volume "v" (services.web.volumes[1]) at once — mount it read-only (":ro"), keep the data in a service of its own, or remove replicas',
    ]);
  });

  it.each(['0', '101', '1.5', '"2"'])('refuses replicas: %s', (value) => {
    expect(problemsOf(web('    http: { port: 1 }', `    replicas: ${value}`))).toEqual([
      `10:15 services.web.replicas: expected a number of replicas 1-100, got ${value}`,
    ]);
  });
});

it('reports every problem of the new keys in one run, in file order', () => {
  const text = web(
    '    ports: ["80:80"]',
    '    http: { hosts: "https://x.com", port: 3000, tls: atuo }',
    '  worker:',
    '    image: nginx:1',
    '    replicas: 2',
  );
  expect(problemsOf(text)).toEqual([
    '9:5 services.web.ports: use either ports: or http:, not both — the edge proxy publishes an http: service; remove ports or http',
    '10:20 services.web.http.hosts: expected a hostname, got a URL: write x.com',
    '10:54 services.web.http.tls: expected "auto", "internal", "off" or { cert, key }, got "atuo" — did you mean "auto"?',
    '13:15 services.worker.replicas: replicas: 2 needs http: — only the edge proxy spreads requests over several containers; add http: or remove replicas',
  ]);
});
