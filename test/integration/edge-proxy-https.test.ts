/**
 * HTTPS through the edge proxy with a real ACME server (issue 19): Pebble, on a network this
 * test creates, issues the certificate of a `tls: auto` site after validating the challenge
 * against the proxy for real; plain HTTP redirects; HSTS; the certificate outlives a recreated
 * proxy without a new order; `tls: internal` uses the proxy's own CA; and a CA that cannot issue
 * makes `up` fail naming the hostname and the CA's message; `tls: { cert, key }` serves the
 * certificate kept in two secrets.
 *
 * The proxy is one per host (notesctl-edge-proxy), so this file refuses to start beside another
 * user of it: run it under `flock /tmp/docker-heavy.lock` with the other tests of the proxy.
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_CONTAINER, PROXY_LABEL } from '../../src/proxy/names.ts';
import { docker } from '../bed/docker-cli.ts';
import { ensureHttpsImages, nodeImage } from '../bed/images.ts';
import { freePort } from '../bed/mariadb.ts';
import { holdEdgeProxy } from '../support/edge-proxy-bed.ts';
import { httpGet, httpsGet } from '../support/https-probe.ts';
import { startPebble, type Pebble } from '../support/pebble.ts';
import { removeProject } from '../support/remove-project.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs();
const run = promisify(execFile);
const id = randomBytes(3).toString('hex');
const project = `https${id}`;
const network = `notesctl-test-acme-${id}`;
const pebbleName = `${project}-pebble`;
/** A name that resolves (for Pebble) to a container where no proxy listens: DNS set wrong. */
const ELSEWHERE = 'elsewhere.test';

// A web app in one line of Node: answers every path, ends cleanly on SIGTERM.
const SERVER = [
  "const server = require('node:http')",
  // No `${…}` here: notesctl interpolates topology strings.
  ".createServer((req, res) => res.end(process.env.NAME + ' ' + req.url + '\\n'))",
  '.listen(8080);',
  "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
].join('');
const HEALTH =
  "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))";

function app(name: string, http: Record<string, unknown>): Record<string, unknown> {
  return {
    image: nodeImage,
    command: ['node', '-e', SERVER],
    env: { NAME: name },
    healthcheck: { test: ['CMD', 'node', '-e', HEALTH], interval: '1s', retries: 30 },
    http: { port: 8080, path: '/health', ...http },
  };
}

interface Shape {
  httpPort: number;
  /** site.test's service (tls: auto); absent until the proxy is on the test network. */
  webHosts?: string[];
  ca?: string;
}

let dir = '';
let env: Record<string, string> = {};
let pebble: Pebble;
let ports = { http: 0, http2: 0, https: 0 };
let pebbleRoot = '';
/** Whether the proxy is this file's to remove (none ran when it started). */
let claimed = false;
let letGo: (() => Promise<void>) | undefined;
const engine = new Docker({ socketPath: '/run/docker.sock' });

/** Write the topology (JSON is YAML) and run `notesctl up` on it. */
async function up(shape: Shape): Promise<CliResult> {
  const topology = {
    project,
    secrets: { own_cert: { file: './own.crt' }, own_key: { file: './own.key' } },
    proxy: {
      ports: { http: shape.httpPort, https: ports.https },
      acme: {
        email: 'ops@notesctl.test',
        ca: shape.ca ?? 'https://pebble:14000/dir',
        ca_root: './pebble-api-ca.pem',
      },
    },
    services: {
      lan: app('lan', { hosts: ['lan.test'], tls: 'internal' }),
      own: app('own', { hosts: ['own.test'], tls: { cert: 'own_cert', key: 'own_key' } }),
      ...(shape.webHosts ? { web: app('web', { hosts: shape.webHosts, tls: 'auto' }) } : {}),
    },
  };
  await writeFile(join(dir, 'notesctl.config.yaml'), JSON.stringify(topology, null, 2));
  return runCli(['up'], { cwd: dir, env, timeoutMs: 180_000 });
}

/** The proxy container's id, and Caddy's JSON log lines. */
async function proxyState(): Promise<{ id: string; log: Record<string, unknown>[] }> {
  const idText = (await docker(['inspect', '-f', '{{.Id}}', PROXY_CONTAINER])).stdout;
  const log = (await docker(['logs', PROXY_CONTAINER])).all
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { id: idText, log };
}

/** Remove the host's proxy and its volumes (labelled as the proxy's). */
async function removeProxy(): Promise<void> {
  await docker(['rm', '-f', '-v', PROXY_CONTAINER], { reject: false });
  const volumes = await engine.listVolumes({
    filters: JSON.stringify({ label: [PROXY_LABEL] }),
  });
  for (const volume of volumes.Volumes) await engine.getVolume(volume.Name).remove({ force: true });
}

/**
 * Fail unless the host has no edge proxy: this file's up would replace a running one with its
 * own ports and CA. Volumes a removed proxy left behind go: certificates from an earlier Pebble
 * would be used without an order.
 */
async function claimProxy(): Promise<void> {
  const found = await docker(
    [
      'inspect',
      '-f',
      '{{range $n, $_ := .NetworkSettings.Networks}}{{$n}} {{end}}',
      PROXY_CONTAINER,
    ],
    { reject: false },
  );
  if (found.exitCode === 0) {
    throw new Error(
      `${PROXY_CONTAINER} exists (on networks ${found.stdout}): another test or deploy uses the host's edge proxy. ` +
        'Run the tests of the proxy one at a time (flock /tmp/docker-heavy.lock), or remove it: ' +
        `docker rm -f -v ${PROXY_CONTAINER} && docker volume rm $(docker volume ls -q --filter label=${PROXY_LABEL})`,
    );
  }
  await removeProxy();
  claimed = true;
}

function expectOk(result: CliResult): void {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

beforeAll(async () => {
  await ensureHttpsImages();
  // The other file with http: services (edge-proxy.test.ts) may run beside this one: wait for it.
  letGo = await holdEdgeProxy();
  await claimProxy();
  ports = { http: await freePort(), http2: await freePort(), https: await freePort() };
  dir = await tempDir(`notesctl-${project}-`);
  env = { NOTESCTL_HOME: join(dir, '.home') };
  // Internal: nothing on it reaches beyond the machine (Docker's DNS answers its names).
  await docker(['network', 'create', '--internal', network]);
  pebble = await startPebble(pebbleName, network, [ELSEWHERE]);
  await writeFile(join(dir, 'pebble-api-ca.pem'), await pebble.apiCa());
  // The operator's own certificate for own.test (tls: { cert, key }), self-signed for the test.
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=own.test',
    '-addext',
    'subjectAltName=DNS:own.test',
    '-keyout',
    join(dir, 'own.key'),
    '-out',
    join(dir, 'own.crt'),
  ]);
  pebbleRoot = await pebble.issuingRoot();
  // The first up creates the proxy, serving lan.test (tls: internal) only: site.test comes once
  // its name resolves to the proxy, as a real deploy starts once DNS points at the host.
  expectOk(await up({ httpPort: ports.http }));
  // Stands in for DNS pointing site.test at the host: on the test network, Docker's DNS gives
  // Pebble the proxy's address for site.test, and Pebble connects to its ports 80 and 443 (the
  // challenges). The proxy must exist for this, so it is done after the first up.
  await docker(['network', 'connect', '--alias', 'site.test', network, PROXY_CONTAINER]);
}, 300_000);

afterAll(async () => {
  if (dir) await removeProject(engine, project, dir, env);
  if (claimed) await removeProxy();
  await docker(['rm', '-f', pebbleName], { reject: false });
  await docker(['network', 'rm', network], { reject: false });
  await letGo?.();
});

describe('the edge proxy with a real ACME server (Pebble)', () => {
  let serial = '';

  it("serves a tls: internal name with a certificate from the proxy's own CA", async () => {
    const { stdout: localRoot } = await docker([
      'exec',
      PROXY_CONTAINER,
      'cat',
      '/data/caddy/pki/authorities/local/root.crt',
    ]);
    const answer = await httpsGet(ports.https, 'lan.test', [localRoot], '/hello');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('lan /hello\n');
    expect(answer.chain[0]?.issuer).toMatch(/^Caddy Local Authority/);
    // Not from the ACME CA: Pebble's root does not verify it.
    await expect(httpsGet(ports.https, 'lan.test', [pebbleRoot])).rejects.toThrow();
  });

  it('serves a tls: { cert, key } site with the certificate kept in its secrets', async () => {
    const cert = await readFile(join(dir, 'own.crt'), 'utf8');
    const answer = await httpsGet(ports.https, 'own.test', [cert], '/mine');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('own /mine\n');
    expect(answer.chain[0]?.subject).toBe('own.test');
    // The key is in the proxy as a file only it reads, and nowhere in its configuration.
    const key = await readFile(join(dir, 'own.key'), 'utf8');
    const inspect = (await docker(['inspect', PROXY_CONTAINER])).stdout;
    expect(inspect).not.toContain(key.split('\n')[1] ?? 'no key line');
    const { stdout: modes } = await docker([
      'exec',
      PROXY_CONTAINER,
      'sh',
      '-c',
      'stat -c "%a %n" $(grep -rl "PRIVATE KEY" /config/notesctl)',
    ]);
    expect(modes.trim().split('\n').length).toBeGreaterThan(0);
    for (const line of modes.trim().split('\n')) expect(line).toMatch(/^600 /);
  });

  it('gets a certificate for site.test from Pebble through a real validation', async () => {
    const ordersBefore = await pebble.orders();
    const result = await up({ httpPort: ports.http, webHosts: ['site.test'] });
    expectOk(result);
    // up waited for the certificate (the plan's last step) …
    expect(result.stderr + result.stdout).toMatch(/certificates for site\.test/);
    // … which Pebble issued: the chain verifies against Pebble's issuing root, for site.test.
    const answer = await httpsGet(ports.https, 'site.test', [pebbleRoot], '/x');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('web /x\n');
    expect(answer.chain.map((c) => c.issuer)).toContain(commonName(pebbleRoot));
    serial = answer.chain[0]?.serial ?? '';
    expect(serial).not.toBe('');
    expect(await pebble.orders()).toBeGreaterThan(ordersBefore);
    // Pebble validated a challenge by connecting to the proxy under the name site.test.
    // (Pebble's VA logs the task with the name, then the authorization it set valid; its
    // "Attempting to validate" lines come from the VA's goroutines and are not always there.)
    const pebbleLog = await pebble.log();
    expect(pebbleLog).toMatch(/Pulled a task from the Tasks queue: .*Value:\\?"site\.test\\?"/);
    expect(pebbleLog).toMatch(/authz \S+ set VALID by completed challenge/);

    // The clock starts when the proxy loads the site, not at its container's start: site.test
    // can only resolve to the proxy once the container exists (the alias above), so the site is
    // added to a running proxy; from that load on, Caddy does what a fresh one would.
    const { log } = await proxyState();
    const loaded = log.findLast(
      (l) =>
        l.msg === 'enabling automatic TLS certificate management' &&
        (l.domains as string[] | undefined)?.includes('site.test'),
    );
    const obtained = log.find(
      (l) => l.msg === 'certificate obtained successfully' && l.identifier === 'site.test',
    );
    const challenge = log.find(
      (l) => l.msg === 'trying to solve challenge' && l.identifier === 'site.test',
    );
    const seconds = Number(obtained?.ts) - Number(loaded?.ts);
    console.log(
      `first certificate for site.test: ${seconds.toFixed(2)} s after the proxy loaded the site ` +
        `(challenge ${String(challenge?.challenge_type)}, Caddy picks it); up took ${(result.ms / 1000).toFixed(1)} s`,
    );
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(5);
  });

  it('redirects plain HTTP to HTTPS, and HTTPS sends HSTS', async () => {
    const plain = await httpGet(ports.http, 'site.test', '/a?b=1');
    expect([301, 308]).toContain(plain.status);
    expect(plain.headers.location).toBe('https://site.test/a?b=1');
    const secure = await httpsGet(ports.https, 'site.test', [pebbleRoot]);
    expect(secure.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('keeps the certificate when notesctl recreates the proxy: same serial, no new order', async () => {
    const before = await proxyState();
    const orders = await pebble.orders();
    // Another HTTP port changes the proxy's container: notesctl replaces it (its volumes stay).
    const result = await up({ httpPort: ports.http2, webHosts: ['site.test'] });
    expectOk(result);
    const after = await proxyState();
    expect(after.id).not.toBe(before.id);
    const answer = await httpsGet(ports.https, 'site.test', [pebbleRoot]);
    expect(answer.chain[0]?.serial).toBe(serial);
    expect(await pebble.orders()).toBe(orders);
    expect(after.log.some((l) => l.msg === 'obtaining certificate')).toBe(false);
    const plain = await httpGet(ports.http2, 'site.test', '/');
    expect(plain.headers.location).toBe('https://site.test/');
  });

  it("fails up naming the hostname and the CA's message when the CA cannot validate it", async () => {
    // elsewhere.test resolves to Pebble's own container, where nothing answers the challenges.
    const result = await up({ httpPort: ports.http2, webHosts: ['site.test', ELSEWHERE] });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const output = result.stderr;
    console.log(`up with ${ELSEWHERE} (${(result.ms / 1000).toFixed(1)} s):\n${output}`);
    expect(output).toContain(`no HTTPS certificate for ${ELSEWHERE} from https://pebble:14000/dir`);
    // The CA's words on the challenge it tried: an ACME problem, and why its connection failed.
    expect(output).toMatch(
      new RegExp(
        `${ELSEWHERE}: (http-01|tls-alpn-01): urn:ietf:params:acme:error:\\w+ - .*connection refused`,
        'i',
      ),
    );
    expect(output).toContain('tries again in');
    // The deploy itself went through: site.test keeps its certificate and serves the new release.
    const answer = await httpsGet(ports.https, 'site.test', [pebbleRoot]);
    expect(answer.chain[0]?.serial).toBe(serial);
    expect(answer.status).toBe(200);
  });

  it('fails up naming the hostname and the error when the CA refuses connections', async () => {
    // A port of Pebble's where nothing listens. Not a stopped Pebble: the proxy, on a network
    // with a way out, would have Docker's DNS ask the host's resolvers for the missing name.
    const ca = 'https://pebble:14001/dir';
    const result = await up({ httpPort: ports.http2, webHosts: ['site.test'], ca });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    console.log(`up with ${ca} (${(result.ms / 1000).toFixed(1)} s):\n${result.stderr}`);
    expect(result.stderr).toContain(`no HTTPS certificate for site.test from ${ca}`);
    expect(result.stderr).toMatch(/site\.test: .*connection refused/i);
    const { log } = await proxyState();
    expect(
      log.some(
        (l) =>
          l.level === 'error' &&
          String(l.error).startsWith('[site.test]') &&
          String(l.error).includes('pebble:14001'),
      ),
    ).toBe(true);
  });
});

/** The common name of a PEM certificate ("Pebble Root CA 3c7a1f": Pebble adds a random part). */
function commonName(pem: string): string {
  return /CN=(.*)/.exec(new X509Certificate(pem).subject)?.[1] ?? '';
}
