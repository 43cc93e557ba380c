/**
 * The edge proxy on the real engine (issue 19): a web service behind Caddy redeployed under
 * load with every response counted, a failing release refused with the old one serving, two
 * projects behind one proxy, the proxy killed with SIGKILL, what the proxy can reach, an
 * unchanged up that does nothing, and 3 replicas replaced under load. One proxy and one project
 * (`a`) serve every test of the file, in order; the web app is a few lines of Node answering its
 * VERSION.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../bed/docker-cli.ts';
import { ensureHttpsImages, nodeImage } from '../bed/images.ts';
import { freePort } from '../bed/mariadb.ts';
import { PROXY_CONTAINER, PROXY_DIR, PROXY_LABEL } from '../../src/proxy/names.ts';
import { lockContainerName } from '../../src/targets/docker/lock-store.ts';
import { execIn } from '../support/container-exec.ts';
import { holdEdgeProxy, inspectEdgeProxy, removeEdgeProxy } from '../support/edge-proxy-bed.ts';
import { containerEvents } from '../support/engine-events.ts';
import { getOnce, startLoad, type LoadReport } from '../support/http-load.ts';
import { createMini, type Mini } from '../support/mini.ts';
import { until } from '../support/until.ts';

/** The web app: VERSION on every path but /health; stops at once on SIGTERM. (No `$`: the topology interpolates it.) */
const SERVER = [
  "const http = require('http');",
  'const version = process.env.VERSION;',
  'const server = http.createServer((req, res) => {',
  "  res.setHeader('content-type', 'text/plain');",
  "  res.end(req.url === '/health' ? 'ok' : version);",
  '});',
  'server.listen(8080);',
  "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
].join(' ');

/**
 * A release with no graceful shutdown: it exits the moment it gets SIGTERM, so only the drain
 * (the proxy's connections to it gone) saves a request in flight; /slow answers after 4 s.
 */
const ABRUPT = [
  "const http = require('http');",
  'const version = process.env.VERSION;',
  'const server = http.createServer((req, res) => {',
  "  const answer = () => res.end(req.url === '/health' ? 'ok' : version + ' ' + req.url);",
  "  if (req.url === '/slow') setTimeout(answer, 4000); else answer();",
  '});',
  'server.listen(8080);',
  "process.on('SIGTERM', () => process.exit(0));",
].join(' ');

/** A database stand-in: a TCP server on its own network, reachable by web, never by the proxy. */
const STORE = [
  "const server = require('net').createServer((s) => s.end('store'));",
  'server.listen(5432);',
  "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
].join(' ');

const HEALTH = `['CMD', 'node', '-e', "require('http').get('http://127.0.0.1:8080/health', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]`;

let httpPort = 0;
let httpsPort = 0;
let a: Mini;
let b: Mini | undefined;
let letGo: (() => Promise<void>) | undefined;

/** A web service `name` at `host` answering `version`; `failing`: a release that exits at once. */
function webService(name: string, host: string, version: string, failing = false): string[] {
  const command = failing
    ? `['node', '-e', "console.error('release ${version} refuses to start'); process.exit(1)"]`
    : `['node', '-e', ${JSON.stringify(SERVER)}]`;
  return [
    `  ${name}:`,
    `    image: ${nodeImage}`,
    `    command: ${command}`,
    `    env: { VERSION: '${version}' }`,
    `    http: { hosts: [${host}], port: 8080, path: /health, drain_timeout: 5s }`,
    `    healthcheck: { test: ${HEALTH}, interval: 1s, timeout: 2s, retries: 3 }`,
    '    stop_grace_period: 5s',
    // A failing release must end the wait at once, not after the readiness timeout of a crash loop.
    ...(failing ? ["    restart: 'no'"] : []),
  ];
}

/** Project `mini`'s topology: the proxy on this file's ports, then `services` lines. */
async function writeTopology(mini: Mini, ...services: string[]): Promise<void> {
  const text = [
    `project: ${mini.project}`,
    `proxy: { ports: { http: ${httpPort}, https: ${httpsPort} } }`,
    'networks:',
    '  back: { internal: true }',
    'services:',
    ...services,
    '',
  ].join('\n');
  await writeFile(join(mini.dir, 'notesctl.config.yaml'), text);
}

/** Project a: web (also on back) at a.localhost, and the store on back alone. */
function writeA(version: string, failing = false, replicas = 1): Promise<void> {
  return writeTopology(
    a,
    ...webService('web', 'a.localhost', version, failing),
    ...(replicas > 1 ? [`    replicas: ${replicas}`] : []),
    '    networks: [back]',
    '  store:',
    `    image: ${nodeImage}`,
    `    command: ['node', '-e', ${JSON.stringify(STORE)}]`,
    '    networks: [back]',
  );
}

/** The project's containers of `service`, as the engine lists them. */
async function containersOf(mini: Mini, service: string) {
  return (await mini.containers()).filter((c) => c.Labels['io.notesctl.service'] === service);
}

/** The body the proxy answers for `host` (throws on no answer or a non-2xx). */
async function answer(host: string): Promise<string> {
  const res = await getOnce(httpPort, host);
  if (res.status !== 200) throw new Error(`${host}: ${res.status} ${res.body}`);
  return res.body;
}

/** A load run in one line, for the test log. */
function summary(label: string, report: LoadReport): string {
  return `${label}: ${report.responses} responses in ${report.ms} ms, ${report.retriesOnClosedIdle} retried on a closed idle connection, ${report.failed} failed, ${report.non2xx} non-2xx`;
}

/**
 * Exit code of `wget URL` run inside the proxy: one try of 2 s (GNU wget, in the test bed's
 * stand-in, would otherwise try a timed-out connection 20 times, three minutes here).
 */
async function wgetFromProxy(url: string): Promise<number> {
  return execIn(a.docker, PROXY_CONTAINER, [
    'wget',
    '-q',
    '-O',
    '/dev/null',
    '-T',
    '2',
    '-t',
    '1',
    url,
  ]);
}

describe('edge proxy (local engine)', () => {
  beforeAll(async () => {
    letGo = await holdEdgeProxy();
    await ensureHttpsImages();
    // The proxy is one per engine: start from none, so this file's ports are the ones it has.
    await removeEdgeProxy();
    httpPort = await freePort();
    do httpsPort = await freePort();
    while (httpsPort === httpPort);
    a = await createMini('edgea');
    await writeA('1');
    const first = await a.cli(['up']);
    expect(first.code, first.stderr).toBe(0);
  });

  afterAll(async () => {
    await b?.destroy();
    await (a as Mini | undefined)?.destroy();
    await removeEdgeProxy();
    await letGo?.();
  });

  it('serves the web service through the proxy, which alone publishes ports', async () => {
    expect(await answer('a.localhost')).toBe('1');
    const proxy = await inspectEdgeProxy();
    expect(proxy?.Config.Labels[PROXY_LABEL]).toBe('caddy');
    expect(proxy?.HostConfig.PortBindings['80/tcp']?.[0]?.HostPort).toBe(String(httpPort));
    expect(proxy?.HostConfig.PortBindings['443/tcp']?.[0]?.HostPort).toBe(String(httpsPort));
    const published = (await a.containers()).flatMap((c) => c.Ports.filter((p) => p.PublicPort));
    expect(published).toEqual([]);
    // A hostname nobody claims gets no site.
    expect((await getOnce(httpPort, 'nobody.localhost')).body).not.toBe('1');
  });

  it('takes every golden Caddyfile of the unit tests (caddy adapt in the proxy image)', async () => {
    const dir = join(import.meta.dirname, '..', 'unit', 'proxy', 'golden');
    const names = (await readdir(dir)).filter((n) => n.endsWith('.caddy')).sort();
    expect(names.length).toBeGreaterThanOrEqual(8);
    const script = ['mkdir -p /tmp/g && cd /tmp/g'];
    for (const [i, name] of names.entries()) {
      const text = await readFile(join(dir, name), 'utf8');
      script.push(
        `cat > '${name}' <<'GOLDEN_${i}'`,
        text.trimEnd(),
        `GOLDEN_${i}`,
        `if caddy adapt --adapter caddyfile --config '${name}' >/dev/null 2>err; then echo "OK ${name}"; else echo "FAIL ${name}: $(tail -1 err)"; fi`,
      );
    }
    const result = await docker(
      ['run', '--rm', '-i', '--network', 'none', '--entrypoint', 'sh', 'caddy:2', '-s'],
      { input: `${script.join('\n')}\n` },
    );
    expect(result.stdout.split('\n')).toEqual(names.map((n) => `OK ${n}`));
  });

  it('reaches the web service but not the store on a network of its own', async () => {
    const [web] = await containersOf(a, 'web');
    const [store] = await containersOf(a, 'store');
    if (!web || !store) throw new Error('web or store is missing');
    const storeIp = Object.values(store.NetworkSettings.Networks)[0]?.IPAddress ?? '';
    expect(storeIp).not.toBe('');
    // The store answers on its network (web reaches it), so a refusal below is the network's doing.
    const fromWeb = await execIn(a.docker, web.Id, [
      'node',
      '-e',
      `require('net').connect(5432, '${storeIp}').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`,
    ]);
    expect(fromWeb).toBe(0);
    const webName = web.Names[0]?.replace(/^\//, '') ?? '';
    expect(await wgetFromProxy(`http://${webName}:8080/health`)).toBe(0);
    expect(await wgetFromProxy(`http://store:5432/`)).not.toBe(0);
    expect(await wgetFromProxy(`http://${storeIp}:5432/`)).not.toBe(0);
    const networks = Object.keys((await inspectEdgeProxy())?.NetworkSettings.Networks ?? {});
    expect(networks).toEqual([`${a.project}_edge`]);
  });

  it('redeploys under load without losing a request', async () => {
    const [old] = await containersOf(a, 'web');
    await writeA('2');
    const load = startLoad({ port: httpPort, host: 'a.localhost', path: '/', clients: 8 });
    await new Promise((r) => setTimeout(r, 2000));
    const redeploy = await a.cli(['up']);
    // Some traffic after the old release is gone, then the totals.
    await new Promise((r) => setTimeout(r, 2500));
    const report = await load.stop();
    const firstNew = report.bodies.indexOf('2');
    const oldAfterNew = report.bodies.slice(firstNew).filter((body) => body !== '2').length;
    console.log(`${summary('redeploy', report)}; ${oldAfterNew} old after the first new`);
    expect(redeploy.code, redeploy.stderr).toBe(0);
    expect(report.failedSamples).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.non2xxSamples).toEqual([]);
    expect(report.responses).toBeGreaterThan(500);
    expect(report.bodies).toContain('1');
    expect(report.bodies).toContain('2');
    expect(new Set(report.bodies)).toEqual(new Set(['1', '2']));
    // Once moved, traffic does not go back: only requests already in flight finish on the old one.
    expect(oldAfterNew).toBeLessThanOrEqual(8);
    expect(new Set(report.bodies.slice(-200))).toEqual(new Set(['2']));
    // The old release is gone; one container of web runs.
    const now = await containersOf(a, 'web');
    expect(now.map((c) => c.State)).toEqual(['running']);
    expect(now[0]?.Id).not.toBe(old?.Id);
  });

  it('refuses a release that fails, keeps the old one serving, and removes the failed one', async () => {
    const [serving] = await containersOf(a, 'web');
    await writeA('3', true);
    const load = startLoad({ port: httpPort, host: 'a.localhost', path: '/', clients: 2 });
    const failed = await a.cli(['up']);
    const report = await load.stop();
    console.log(summary('failed release', report));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('service web on local is not ready');
    expect(failed.stderr).toContain('release 3 refuses to start');
    expect(report.failed).toBe(0);
    expect(report.non2xx).toBe(0);
    expect(new Set(report.bodies)).toEqual(new Set(['2']));
    expect(await answer('a.localhost')).toBe('2');
    const left = await containersOf(a, 'web');
    expect(left.map((c) => [c.Id, c.State])).toEqual([[serving?.Id, 'running']]);
    await writeA('2');
  });

  it('serves two projects by hostname; down of one leaves the other serving', async () => {
    b = await createMini('edgeb');
    await writeTopology(b, ...webService('site', 'b.localhost', 'B'));
    const upB = await b.cli(['up']);
    expect(upB.code, upB.stderr).toBe(0);
    expect(await answer('b.localhost')).toBe('B');
    expect(await answer('a.localhost')).toBe('2');
    const proxy = await inspectEdgeProxy();
    expect(Object.keys(proxy?.NetworkSettings.Networks ?? {}).sort()).toEqual(
      [`${a.project}_edge`, `${b.project}_edge`].sort(),
    );
    const sitesB = `${PROXY_DIR}/sites/${b.project}.caddy`;
    expect(await execIn(a.docker, PROXY_CONTAINER, ['test', '-s', sitesB])).toBe(0);

    const down = await b.cli(['down', '--yes']);
    expect(down.code, down.stderr).toBe(0);
    expect(await answer('a.localhost')).toBe('2');
    expect((await getOnce(httpPort, 'b.localhost')).body).not.toBe('B');
    expect(await execIn(a.docker, PROXY_CONTAINER, ['test', '-e', sitesB])).not.toBe(0);
    const after = await inspectEdgeProxy();
    expect(Object.keys(after?.NetworkSettings.Networks ?? {})).toEqual([`${a.project}_edge`]);
    expect(after?.Id).toBe(proxy?.Id);
    expect(await b.containers()).toEqual([]);
  });

  it('comes back by its restart policy after kill -9 of its process, and serves', async () => {
    const before = await inspectEdgeProxy();
    if (!before?.State.Running) throw new Error('the proxy is not running');
    process.kill(before.State.Pid, 'SIGKILL');
    await until(async () => {
      const now = await inspectEdgeProxy();
      return (now?.RestartCount ?? 0) > before.RestartCount && now?.State.Running === true;
    }, 30_000);
    await until(async () => (await answer('a.localhost')) === '2', 30_000);
    expect((await inspectEdgeProxy())?.Id).toBe(before.Id);
  });

  it('redeploys with the built CLI too (bin/notesctl, dist/: what users run)', async () => {
    await writeA('3');
    const redeploy = await a.cli(['up'], { built: true });
    expect(redeploy.code, redeploy.stderr).toBe(0);
    await until(async () => (await answer('a.localhost')) === '3', 30_000);
  });

  it('plans nothing for an unchanged up, and the up changes nothing', async () => {
    const plan = await a.cli(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('up to date, nothing to do');
    // The engine's events are asked for by the second; only those from this up's start count
    // (the test before it restarted the proxy a moment ago).
    const startedNs = Date.now() * 1_000_000;
    const since = Math.floor(Date.now() / 1000) - 1;
    const again = await a.cli(['up']);
    expect(again.code, again.stderr).toBe(0);
    const events = [
      ...(await containerEvents(a.docker, [`io.notesctl.project=${a.project}`], since)),
      ...(await containerEvents(a.docker, [PROXY_LABEL], since)),
    ]
      .filter((e) => e.timeNano >= startedNs)
      // The deploy lock on the host (issue 23) is a container every up creates and removes.
      .filter((e) => e.Actor.Attributes.name !== lockContainerName(a.project))
      .map((e) => e.Action)
      // Reading the proxy's files (GET archive) is the one call an unchanged up makes to it;
      // Docker's own healthchecks of web are execs too (an exec's end does not name it).
      .filter((action) => action !== 'archive-path' && action !== 'exec_die')
      // Docker's own health status of a release started a moment ago is no call of ours.
      .filter((action) => !action.startsWith('health_status:'))
      .filter((action) => !/^exec_(create|start): node -e require\('http'\)/.test(action));
    expect(events).toEqual([]);
  });

  it('drains the old release: a request in flight when traffic moves finishes there', async () => {
    const abrupt = (version: string) =>
      writeTopology(
        a,
        `  web:`,
        `    image: ${nodeImage}`,
        `    command: ['node', '-e', ${JSON.stringify(ABRUPT)}]`,
        `    env: { VERSION: '${version}' }`,
        '    http: { hosts: [a.localhost], port: 8080, path: /health, drain_timeout: 10s }',
        `    healthcheck: { test: ${HEALTH}, interval: 1s, timeout: 2s, retries: 3 }`,
        '    networks: [back]',
        '  store:',
        `    image: ${nodeImage}`,
        `    command: ['node', '-e', ${JSON.stringify(STORE)}]`,
        '    networks: [back]',
      );
    await abrupt('a1');
    const first = await a.cli(['up']);
    expect(first.code, first.stderr).toBe(0);
    await abrupt('a2');
    const child = a.spawn(['up']);
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    // Sent to the old release just before the switch, and still running when traffic moves.
    await until(() => Promise.resolve(/→ wait until the edge proxy gets 2xx/.test(err)), 60_000);
    const slow = getOnce(httpPort, 'a.localhost', '/slow');
    expect(await exited, err).toBe(0);
    expect(await slow).toEqual({ status: 200, body: 'a1 /slow' });
    expect(err).toMatch(/✓ drain \S+:8080 \(web\): requests in flight finish \((\d+) ms\)/);
    const drainMs = Number(/✓ drain \S+:8080 \(web\)[^(]*\((\d+) ms\)/.exec(err)?.[1]);
    console.log(`drain of the old release with a 4 s request in flight: ${drainMs} ms`);
    expect(await answer('a.localhost')).toBe('a2 /');
  });

  it('runs 3 replicas behind the proxy and replaces them all under load without losing a request', async () => {
    await writeA('3', false, 3);
    const scaled = await a.cli(['up']);
    expect(scaled.code, scaled.stderr).toBe(0);
    const first = await containersOf(a, 'web');
    expect(first.map((c) => c.State)).toEqual(['running', 'running', 'running']);
    const suffixes = first.map((c) => /-r(\d)$/.exec(c.Names[0] ?? '')?.[1]).sort();
    expect(suffixes).toEqual(['1', '2', '3']);
    // The proxy balances over the three (its sites file routes to each).
    const sites = (
      await docker(['exec', PROXY_CONTAINER, 'cat', `${PROXY_DIR}/sites/${a.project}.caddy`])
    ).stdout;
    for (const c of first) expect(sites).toContain(`${(c.Names[0] ?? '').slice(1)}:8080`);
    await writeA('4', false, 3);
    const load = startLoad({ port: httpPort, host: 'a.localhost', path: '/', clients: 8 });
    await new Promise((r) => setTimeout(r, 1500));
    const redeploy = await a.cli(['up']);
    await new Promise((r) => setTimeout(r, 1500));
    const report = await load.stop();
    console.log(summary('3 replicas redeployed', report));
    expect(redeploy.code, redeploy.stderr).toBe(0);
    expect(report.failedSamples).toEqual([]);
    expect(report.non2xxSamples).toEqual([]);
    expect(new Set(report.bodies)).toEqual(new Set(['3', '4']));
    expect(new Set(report.bodies.slice(-100))).toEqual(new Set(['4']));
    const now = await containersOf(a, 'web');
    expect(now.map((c) => c.State)).toEqual(['running', 'running', 'running']);
    expect(now.some((c) => first.some((f) => f.Id === c.Id))).toBe(false);
  });
});
