/**
 * Releases and rollback on the real engine (issue 19): every up that changes a service records
 * a release on the host; `rollback` runs the earlier image again through the blue/green path
 * with every response counted; old images beyond `releases.keep` are removed and a rollback to
 * one is refused clearly; `down --volumes` takes the history with it. The web service is built
 * from a one-file app whose answer is its version (the one-line change of each release).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureHttpsImages } from '../bed/images.ts';
import { freePort } from '../bed/mariadb.ts';
import { holdEdgeProxy, removeEdgeProxy } from '../support/edge-proxy-bed.ts';
import { getOnce, startLoad } from '../support/http-load.ts';
import { createMini, type Mini } from '../support/mini.ts';

let mini: Mini;
let httpPort = 0;
let letGo: (() => Promise<void>) | undefined;

/** The app of release `version`: answers it on `/`, `ok` on /health; drains on SIGTERM. */
function server(version: string): string {
  return [
    "import { createServer } from 'node:http';",
    `const VERSION = '${version}';`,
    'const server = createServer((req, res) => {',
    "  res.setHeader('content-type', 'text/plain');",
    "  res.end(req.url === '/health' ? 'ok' : VERSION);",
    '});',
    'server.listen(8080);',
    "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
    '',
  ].join('\n');
}

/** Build release `version` of web (a changed build context → a new image). */
async function writeVersion(version: string): Promise<void> {
  await writeFile(join(mini.dir, 'web', 'server.mjs'), server(version));
}

const HEALTH = `['CMD', 'node', '-e', "fetch('http://127.0.0.1:8080/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`;

async function writeTopology(keep: number): Promise<void> {
  const text = [
    `project: ${mini.project}`,
    `proxy: { ports: { http: ${httpPort}, https: ${await freePort()} } }`,
    `releases: { keep: ${keep} }`,
    'services:',
    '  web:',
    '    build: web',
    '    http: { hosts: [rel.localhost], port: 8080, path: /health, drain_timeout: 3s }',
    `    healthcheck: { test: ${HEALTH}, interval: 1s, timeout: 2s, retries: 3 }`,
    '    stop_grace_period: 5s',
    '',
  ].join('\n');
  await writeFile(join(mini.dir, 'notesctl.config.yaml'), text);
}

async function answer(): Promise<string> {
  const res = await getOnce(httpPort, 'rel.localhost');
  if (res.status !== 200) throw new Error(`${res.status} ${res.body}`);
  return res.body;
}

interface ReleaseJson {
  id: number;
  operator: string;
  version: string;
  changed: string[];
  rollbackOf?: number;
  services: Record<string, { image: string; ref: string; configHash: string }>;
}

async function releases(): Promise<ReleaseJson[]> {
  const listed = await mini.cli(['releases', '--json']);
  expect(listed.code, listed.stderr).toBe(0);
  const [local] = JSON.parse(listed.stdout) as { host: string; releases: ReleaseJson[] }[];
  expect(local?.host).toBe('local');
  return local?.releases ?? [];
}

async function up(): Promise<string> {
  const result = await mini.cli(['up'], { env: { NOTESCTL_OPERATOR: 'ann' } });
  expect(result.code, result.stderr).toBe(0);
  return result.stderr + result.stdout;
}

async function webImages(): Promise<string[]> {
  const images = await mini.docker.listImages();
  return images
    .flatMap((i) => i.RepoTags ?? [])
    .filter((t) => t.startsWith(`notesctl-${mini.project}/web:`));
}

describe('releases and rollback (local engine)', () => {
  beforeAll(async () => {
    letGo = await holdEdgeProxy();
    await ensureHttpsImages();
    await removeEdgeProxy();
    httpPort = await freePort();
    mini = await createMini('rel');
    await rm(join(mini.dir, 'web', 'Dockerfile'));
    const dockerfile = await readFile(
      join(import.meta.dirname, '..', 'fixtures', 'mini', 'web', 'Dockerfile'),
      'utf8',
    );
    await writeFile(
      join(mini.dir, 'web', 'Dockerfile'),
      dockerfile.replace(/^HEALTHCHECK.*$/m, ''),
    );
    await writeTopology(2);
    await writeVersion('v1');
    await up();
  });

  afterAll(async () => {
    await (mini as Mini | undefined)?.destroy();
    await removeEdgeProxy();
    await letGo?.();
  });

  it('records a release for each up that changes a service, on the host', async () => {
    expect(await answer()).toBe('v1');
    await writeVersion('v2');
    const out = await up();
    expect(out).toContain('release 2');
    expect(await answer()).toBe('v2');
    const list = await releases();
    expect(list.map((r) => r.id)).toEqual([1, 2]);
    expect(list[1]?.changed).toEqual(['web']);
    expect(list[1]?.operator).toMatch(/^ann@/);
    expect(list[0]?.services.web?.image).not.toBe(list[1]?.services.web?.image);
    // An unchanged up records nothing.
    await up();
    expect((await releases()).length).toBe(2);
    const table = await mini.cli(['releases', 'web']);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^HOST\s+RELEASE\s+TIME\s+OPERATOR\s+VERSION\s+CHANGED$/);
    expect(lines[1]).toMatch(
      /^local\s+2 \(current\)\s+\S+ \S+Z\s+ann@\S+\s+\S+\s+web [0-9a-f]{12}$/,
    );
    expect(lines[2]).toMatch(/^local\s+1\s/);
  });

  it('rolls back to the previous image under load without losing a request', async () => {
    const load = startLoad({ port: httpPort, host: 'rel.localhost', path: '/', clients: 6 });
    await new Promise((r) => setTimeout(r, 1000));
    const rollback = await mini.cli(['rollback', 'web'], { env: { NOTESCTL_OPERATOR: 'bob' } });
    await new Promise((r) => setTimeout(r, 1500));
    const report = await load.stop();
    console.log(
      `rollback: ${report.responses} responses, ${report.failed} failed, ${report.non2xx} non-2xx, ${report.retriesOnClosedIdle} retried on a closed idle connection`,
    );
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stderr + rollback.stdout).toContain('release 3');
    expect(report.failedSamples).toEqual([]);
    expect(report.non2xxSamples).toEqual([]);
    expect(new Set(report.bodies)).toEqual(new Set(['v1', 'v2']));
    expect(report.bodies.at(-1)).toBe('v1');
    const list = await releases();
    expect(list.at(-1)).toMatchObject({ id: 3, rollbackOf: 1, changed: ['web'] });
    expect(list.at(-1)?.operator).toMatch(/^bob@/);
    expect(list.at(-1)?.services.web?.image).toBe(list[0]?.services.web?.image);
    // The next up deploys the topology's version again.
    await up();
    expect(await answer()).toBe('v2');
  });

  it('keeps the images of the last releases.keep releases, and refuses to go back further', async () => {
    await writeVersion('v3');
    const out = await up();
    // keep: 2 → v3 and v2 stay; v1's image goes.
    expect(out).toMatch(
      /removed 1 image\(s\) no kept release runs: notesctl-\S+\/web:[0-9a-f]{12}/,
    );
    const list = await releases();
    const v1 = list[0]?.services.web?.ref ?? '';
    expect(await webImages()).not.toContain(v1);
    expect((await webImages()).length).toBe(2);
    const refused = await mini.cli(['rollback', 'web', '--to', '1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`(${v1}) of service web is no longer on local`);
    expect(refused.stderr).toContain('releases.keep');
    expect(await answer()).toBe('v3');
    const bad = await mini.cli(['rollback', 'web', '--to', 'latest']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--to: expected a release number like 3, got "latest"');
    const unknown = await mini.cli(['rollback', 'web', '--to', '99']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('release 99 is not in the history');
  });

  it('down --volumes removes the history with the data', async () => {
    const down = await mini.cli(['down', '--volumes', '--yes']);
    expect(down.code, down.stderr).toBe(0);
    const holders = await mini.docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`io.notesctl.releases=${mini.project}`] }),
    });
    expect(holders).toEqual([]);
    const volumes = await mini.docker.listVolumes({
      filters: { label: [`io.notesctl.releases=${mini.project}`] },
    });
    // Docker sends null for an empty list.
    expect((volumes.Volumes as typeof volumes.Volumes | null) ?? []).toEqual([]);
    const none = await mini.cli(['releases']);
    expect(none.code).toBe(0);
    expect(none.stderr + none.stdout).toContain('no releases recorded yet');
  });
});
