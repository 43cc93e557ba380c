/**
 * Issue 5 end to end on the real local engine with the real apps, from the repository's own
 * topology (notes behind the edge proxy, issue 19): cold `up` to healthy, a user created through
 * `notesctl users`, login and a note over HTTP, the note surviving down/up and --force-recreate,
 * targeted recreation (notes redeployed under load, every response counted), zero mutating calls
 * on an unchanged `up`, and no secret in any container's inspect output or image history.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import { PROXY_CONTAINER } from '../../src/proxy/names.ts';
import { holdEdgeProxy, inspectEdgeProxy, removeEdgeProxy } from '../support/edge-proxy-bed.ts';
import { startLoad } from '../support/http-load.ts';
import { reachabilityMatrix } from '../support/reachability.ts';
import {
  besidesDeployLock,
  startRecordingProxy,
  type RecordingProxy,
} from '../support/recording-proxy.ts';
import { createStack, type Stack } from '../support/stack.ts';

let stack: Stack;
let proxy: RecordingProxy;
let letGo: (() => Promise<void>) | undefined;
const password = 'correct horse battery staple';
const noteKey = 'survivor';

async function loggedIn(): Promise<Client> {
  const client = new Client(`http://127.0.0.1:${stack.port}`);
  const page = await client.login('ann', password);
  expect(page.status).toBe(302);
  return client;
}

async function noteTitle(): Promise<string | undefined> {
  const page = await new Client(`http://127.0.0.1:${stack.port}`).get(`/notes/view?key=${noteKey}`);
  return page.status === 200 ? /<h1[^>]*>([^<]*)<\/h1>/.exec(page.text)?.[1] : undefined;
}

async function idsByService(): Promise<Record<string, string>> {
  return Object.fromEntries([...(await stack.containers())].map(([service, c]) => [service, c.Id]));
}

describe('the Notes stack on the local engine', () => {
  beforeAll(async () => {
    // One edge proxy per engine: this file's ports, held against the other proxy tests.
    letGo = await holdEdgeProxy();
    await removeEdgeProxy();
    stack = await createStack('it5', { proxy: true });
    proxy = await startRecordingProxy();
  });
  afterAll(async () => {
    // Either may be missing when beforeAll failed half-way.
    await (proxy as RecordingProxy | undefined)?.close();
    await (stack as Stack | undefined)?.destroy();
    await removeEdgeProxy();
    await letGo?.();
  });

  it('comes up from a clean engine with all four services ready', async () => {
    const result = await stack.cli(['up']);
    expect(result.stderr).toContain(`${stack.project} on local:`);
    expect(result.code).toBe(0);
    const containers = await stack.containers();
    expect([...containers.keys()].sort()).toEqual(['db-notes', 'db-userauth', 'notes', 'userauth']);
    for (const c of containers.values()) expect(c.State).toBe('running');
    const health = await fetch(`http://127.0.0.1:${stack.port}/health`);
    expect(health.status).toBe(200);
  });

  it('lets exactly the services that share a network reach each other (by name and by IP)', async () => {
    const containers = await stack.containers();
    const matrix = await reachabilityMatrix(
      stack.docker,
      new Map([...containers].map(([s, c]) => [s, c.Id])),
      true,
      PROXY_CONTAINER,
    );
    expect(matrix.actual).toEqual(matrix.expected);
    expect(matrix.actual.filter((r) => r.endsWith('open')).length).toBeGreaterThanOrEqual(7);
    // The proxy reaches notes and nothing else.
    expect(matrix.actual.filter((r) => r.startsWith('edge-proxy>') && r.endsWith('open'))).toEqual([
      expect.stringMatching(/^edge-proxy>notes /),
    ]);
    // No service publishes a port; the proxy alone does.
    const published = [...containers.values()].flatMap((c) => c.Ports.filter((p) => p.PublicPort));
    expect(published).toEqual([]);
    const bindings = (await inspectEdgeProxy())?.HostConfig.PortBindings ?? {};
    expect(bindings['80/tcp']?.[0]?.HostPort).toBe(String(stack.port));
  });

  it('creates a user with `notesctl users add` who can log in and write a note', async () => {
    const added = await stack.cli(
      ['users', 'add', '--username', 'ann', '--password-stdin', '--given-name', 'Ann'],
      { input: password },
    );
    expect(added.code).toBe(0);
    const found = await stack.cli(['--json', 'users', 'find', 'ann']);
    expect(JSON.parse(found.stdout)).toMatchObject({ username: 'ann', givenName: 'Ann' });
    const missing = await stack.cli(['users', 'add', '--username', 'bob']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--password-stdin');
    const client = await loggedIn();
    expect((await client.get('/')).text).toContain('ann');
    await client.get('/notes/add');
    const saved = await client.post('/notes/save', {
      docreate: 'create',
      notekey: noteKey,
      title: 'Kept across restarts',
      body: 'hello',
    });
    expect(saved.status).toBe(302);
    expect(await noteTitle()).toBe('Kept across restarts');
  });

  it('makes no mutating engine call when nothing changed', async () => {
    proxy.reset();
    const result = await stack.cli(['up'], { env: { DOCKER_HOST: proxy.dockerHost } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('up to date');
    expect(proxy.calls.length).toBeGreaterThan(0);
    // Nothing but the deploy lock's own create and release (issue 23).
    expect(proxy.mutating()).toHaveLength(2);
    expect(besidesDeployLock(proxy.mutating(), stack.project)).toEqual([]);
    // One observation in one parallel wave: the lists, the proxy's files, one look at each image
    // (the databases share theirs; the edge proxy's is the fourth), nothing asked twice.
    const calls = proxy.calls.map((c) => `${c.method} ${c.path.split('?')[0] ?? ''}`);
    expect(calls.filter((c) => /\/images\/.+\/json$/.test(c))).toHaveLength(4);
    // The project's and the proxy's lists differ by their label filter, the proxy's two files
    // by their path: the whole request line is never repeated.
    const requests = proxy.calls.map((c) => `${c.method} ${c.path}`);
    expect(new Set(requests).size).toBe(requests.length);
  });

  it('recreates only the service whose environment changed, losing no request', async () => {
    const before = await idsByService();
    const load = startLoad({ port: stack.port, host: '127.0.0.1', path: '/', clients: 4 });
    await new Promise((r) => setTimeout(r, 1000));
    const result = await stack.cli(['up'], {
      env: { NOTES_PUBLIC_URL: `http://127.0.0.1:${stack.port}` },
    });
    await new Promise((r) => setTimeout(r, 1000));
    const report = await load.stop();
    console.log(
      `notes redeploy: ${report.responses} responses, ${report.failed} failed, ${report.non2xx} non-2xx, ${report.retriesOnClosedIdle} retried on a closed idle connection`,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(report.failedSamples).toEqual([]);
    expect(report.non2xxSamples).toEqual([]);
    expect(report.responses).toBeGreaterThan(50);
    const after = await idsByService();
    expect(after.notes).not.toBe(before.notes);
    for (const s of ['db-notes', 'db-userauth', 'userauth']) expect(after[s]).toBe(before[s]);
    expect(await noteTitle()).toBe('Kept across restarts');
  });

  it('rebuilds and recreates only the app whose code changed', async () => {
    const before = await idsByService();
    const file = join(stack.dir, 'apps', 'userauth', 'src', 'server.ts');
    await writeFile(file, `${await readFile(file, 'utf8')}\n// a one-line change\n`);
    const result = await stack.cli(['up'], {
      env: { NOTES_PUBLIC_URL: `http://127.0.0.1:${stack.port}` },
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/build image notesctl-[a-z0-9]+\/userauth:/);
    expect(result.stderr).not.toMatch(/build image notesctl-[a-z0-9]+\/notes:/);
    const after = await idsByService();
    expect(after.userauth).not.toBe(before.userauth);
    for (const s of ['db-notes', 'db-userauth', 'notes']) expect(after[s]).toBe(before[s]);
  });

  it('keeps the note across down + up and up --force-recreate', async () => {
    const env = { NOTES_PUBLIC_URL: `http://127.0.0.1:${stack.port}` };
    expect((await stack.cli(['down'], { env })).code).toBe(0);
    expect((await stack.containers()).size).toBe(0);
    expect((await stack.cli(['up'], { env })).code).toBe(0);
    expect(await noteTitle()).toBe('Kept across restarts');
    const before = await idsByService();
    expect((await stack.cli(['up', '--force-recreate'], { env })).code).toBe(0);
    const after = await idsByService();
    for (const s of Object.keys(before)) expect(after[s]).not.toBe(before[s]);
    expect(await noteTitle()).toBe('Kept across restarts');
    await loggedIn();
  });

  it('keeps every secret out of docker inspect, env and image history', async () => {
    const secrets = await stack.secretValues();
    expect(secrets.length).toBe(6);
    for (const c of (await stack.containers()).values()) {
      const inspect = JSON.stringify(await stack.docker.getContainer(c.Id).inspect());
      for (const secret of secrets) expect(inspect).not.toContain(secret);
      expect(inspect).toContain('/run/secrets/');
      const history = JSON.stringify(await stack.docker.getImage(c.ImageID).history());
      for (const secret of secrets) expect(history).not.toContain(secret);
    }
    const config = await readFile(join(stack.dir, 'notesctl.config.yaml'), 'utf8');
    for (const secret of secrets) expect(config).not.toContain(secret);
  });
});
