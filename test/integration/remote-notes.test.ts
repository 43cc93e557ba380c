/**
 * Issue 6 end to end: `provision ssh` a namespace host, then deploy the Notes stack there with
 * `up --host h1` (images built here and shipped without a registry), create a user and log in
 * over HTTP at the host's address, use ps/exec/logs/down remotely, ship only the changed layers
 * after a one-line change, and survive a cut SSH link mid-`up`. Each command opens exactly one
 * SSH connection (counted by the proxy in front of the host's sshd). The repository's topology
 * as it is: notes behind the host's own edge proxy (issue 19), redeployed under load with every
 * response counted.
 */
import Docker from 'dockerode';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import { execa } from 'execa';
import { netnsPath } from '../bed/host-net.ts';
import { PROXY_CONTAINER } from '../../src/proxy/names.ts';
import { reachabilityMatrix } from '../support/reachability.ts';
import { startDelayProxy, type DelayProxy } from '../bed/delay-proxy.ts';
import { startHost, type TestHost } from '../bed/hosts.ts';
import { startLoad } from '../support/http-load.ts';
import { createStack, type Stack } from '../support/stack.ts';
import { runCli, spawnCli, type CliResult } from '../support/run-cli.ts';

let host: TestHost;
let proxy: DelayProxy;
let stack: Stack;
let home: string;
const password = 'remote pass phrase';

function env(): Record<string, string> {
  return { ...stack.env, HOME: home, SSH_AUTH_SOCK: '' };
}

/** Run notesctl against h1 and return the result with the number of SSH connections it opened. */
async function remote(
  args: string[],
  input?: string,
): Promise<CliResult & { connections: number }> {
  proxy.resetStats();
  const result = await runCli(['--host', 'h1', ...args], {
    cwd: stack.dir,
    env: env(),
    input,
    timeoutMs: 900_000,
  });
  return { ...result, connections: proxy.stats.connections };
}

function notesUrl(): string {
  return `http://${host.address}:${stack.port}`;
}

/**
 * Run `notesctl --host h1 …args` and cut its SSH link (the proxy in front of h1's sshd) once its
 * output matches `when` (waiting at most `waitMs`): the run must exit 1 within 30 s, naming h1.
 * `relink()` puts the link back on the same port.
 */
async function cutLinkDuring(
  args: string[],
  when: RegExp,
  waitMs: number,
): Promise<{ relink: () => Promise<void> }> {
  const child = spawnCli(['--host', 'h1', ...args], { cwd: stack.dir, env: env() });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const deadline = Date.now() + waitMs;
  while (!when.test(err) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(err).toMatch(when);
  const port = proxy.port;
  await proxy.close();
  const cutAt = Date.now();
  expect(await exited).toBe(1);
  expect(Date.now() - cutAt).toBeLessThan(30_000);
  expect(err).toMatch(/h1/);
  return {
    relink: async () => {
      proxy = await startDelayProxy({
        targetHost: host.address,
        targetPort: 22,
        delayMs: 0,
        listenPort: port,
      });
    },
  };
}

describe('the Notes stack on a remote host over SSH', () => {
  beforeAll(async () => {
    host = await startHost(`rn${process.pid % 10000}`);
    proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs: 0 });
    stack = await createStack('rn', { proxy: true });
    home = await mkdtemp(join(tmpdir(), 'notesctl-rn-home-'));
  });
  afterAll(async () => {
    if ((stack as Stack | undefined) && (proxy as DelayProxy | undefined)) {
      await runCli(['--host', 'h1', 'down', '--volumes', '--yes'], {
        cwd: stack.dir,
        env: env(),
      }).catch(() => undefined);
    }
    await (stack as Stack | undefined)?.destroy();
    await (proxy as DelayProxy | undefined)?.close();
    await (host as TestHost | undefined)?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('provisions the host over SSH and records it', async () => {
    const result = await runCli(
      [
        'provision',
        'ssh',
        'h1',
        `root@127.0.0.1:${proxy.port}`,
        '--identity',
        host.identityFile,
        '--accept-new-host-key',
      ],
      { cwd: stack.dir, env: env(), timeoutMs: 300_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    const list = await runCli(['--json', 'hosts', 'ls'], { cwd: stack.dir, env: env() });
    expect(list.stdout).toContain('"h1"');
  });

  it('deploys the whole stack with one SSH connection, shipping the images, and it is healthy', async () => {
    const up = await remote(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.connections).toBe(1);
    expect(up.stderr).toContain('cannot pull mariadb:10.11; shipping it from local instead');
    const engine = new Docker({ socketPath: host.dockerSocket });
    const containers = await engine.listContainers({
      filters: JSON.stringify({ label: [`io.notesctl.project=${stack.project}`] }),
    });
    expect(containers.map((c) => c.Labels['io.notesctl.service']).sort()).toEqual([
      'db-notes',
      'db-userauth',
      'notes',
      'userauth',
    ]);
    expect((await fetch(`${notesUrl()}/health`)).status).toBe(200);
  });

  it('creates a user remotely who logs in at the host address', async () => {
    const added = await remote(
      ['users', 'add', '--username', 'rita', '--password-stdin'],
      password,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.connections).toBe(1);
    const client = new Client(notesUrl());
    expect((await client.login('rita', password)).status).toBe(302);
    await client.get('/notes/add');
    expect(
      (
        await client.post('/notes/save', {
          docreate: 'create',
          notekey: 'far',
          title: 'Far away',
          body: 'x',
        })
      ).status,
    ).toBe(302);
  });

  it('runs ps, exec and logs remotely, one SSH connection each', async () => {
    const ps = await remote(['--json', 'ps']);
    expect(ps.code).toBe(0);
    expect(ps.connections).toBe(1);
    const rows = JSON.parse(ps.stdout) as { service: string; state: string; host: string }[];
    expect(
      rows
        .filter((r) => r.state === 'running')
        .map((r) => r.service)
        .sort(),
    ).toEqual(['db-notes', 'db-userauth', 'notes', 'userauth']);
    const exec = await remote(['exec', 'notes', '--', 'node', '-e', 'process.exit(5)']);
    expect(exec.code).toBe(5);
    expect(exec.connections).toBe(1);
    proxy.resetStats();
    const child = spawnCli(['--host', 'h1', 'logs', '-f', '--tail', '5', 'notes'], {
      cwd: stack.dir,
      env: env(),
    });
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log lines: ${out}`)), 60_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.trim().split('\n').length >= 2) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(proxy.stats.connections).toBe(1);
  });

  it('ships only the changed layers after a one-line change to an app, losing no request', async () => {
    const local = new Docker({ socketPath: '/run/docker.sock' });
    const repo = `notesctl-${stack.project}/notes`;
    const before = (await local.listImages({ filters: JSON.stringify({ reference: [repo] }) }))[0];
    const file = join(stack.dir, 'apps', 'notes', 'src', 'server.ts');
    await writeFile(file, `${await readFile(file, 'utf8')}\n// one more line\n`);
    const load = startLoad({
      port: stack.port,
      host: host.address,
      path: '/',
      clients: 4,
      address: host.address,
    });
    const up = await remote(['--json', 'up']);
    await new Promise((r) => setTimeout(r, 1000));
    const report = await load.stop();
    console.log(
      `remote notes redeploy: ${report.responses} responses, ${report.failed} failed, ${report.non2xx} non-2xx, ${report.retriesOnClosedIdle} retried on a closed idle connection`,
    );
    expect(up.code, up.stderr).toBe(0);
    expect(report.failedSamples).toEqual([]);
    expect(report.non2xxSamples).toEqual([]);
    expect(report.responses).toBeGreaterThan(50);
    const [summary] = JSON.parse(up.stdout) as {
      shipped: {
        ref: string;
        wireBytes: number;
        layersSent: number;
        layersTotal: number;
        layerBytesSent: number;
      }[];
    }[];
    const shipped = summary?.shipped.find((s) => s.ref.startsWith(repo));
    expect(shipped).toBeDefined();
    // The changed layers: those of the new image the previous one did not have.
    const after = await local.getImage(shipped?.ref ?? '').inspect();
    const old = before ? await local.getImage(before.Id).inspect() : undefined;
    const oldLayers = new Set(old?.RootFS.Layers ?? []);
    const changed = (after.RootFS.Layers ?? []).filter((layer) => !oldLayers.has(layer));
    expect(changed.length).toBeGreaterThan(0);
    expect(shipped?.layersSent).toBe(changed.length);
    expect(shipped?.layersSent).toBeLessThan(shipped?.layersTotal ?? 0);
    // Bytes on the wire against the (uncompressed) size of exactly those layer files.
    const changedBytes = shipped?.layerBytesSent ?? 0;
    expect(shipped?.wireBytes ?? Infinity).toBeLessThanOrEqual(1.2 * changedBytes);
    console.log(
      `one-line change: ${shipped?.layersSent}/${shipped?.layersTotal} layers, ${shipped?.wireBytes} bytes on the wire, changed layers ${changedBytes} bytes`,
    );
  });

  it('rolls notes back over SSH through the same blue/green path, losing no request', async () => {
    const load = startLoad({
      port: stack.port,
      host: host.address,
      path: '/',
      clients: 4,
      address: host.address,
    });
    const rollback = await remote(['rollback', 'notes']);
    await new Promise((r) => setTimeout(r, 1000));
    const report = await load.stop();
    console.log(
      `remote rollback: ${report.responses} responses, ${report.failed} failed, ${report.non2xx} non-2xx`,
    );
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.connections).toBe(1);
    expect(report.failedSamples).toEqual([]);
    expect(report.non2xxSamples).toEqual([]);
    // The release history lives on the host: the rollback is release 3, back to release 1.
    const listed = await remote(['--json', 'releases', 'notes']);
    const [h1] = JSON.parse(listed.stdout) as {
      releases: { id: number; rollbackOf?: number; services: Record<string, { image: string }> }[];
    }[];
    const releases = h1?.releases ?? [];
    expect(releases.at(-1)).toMatchObject({ rollbackOf: 1 });
    expect(releases.at(-1)?.services.notes?.image).toBe(releases[0]?.services.notes?.image);
    const engine = new Docker({ socketPath: host.dockerSocket });
    const [notes] = await engine.listContainers({
      filters: JSON.stringify({
        label: [`io.notesctl.project=${stack.project}`, 'io.notesctl.service=notes'],
      }),
    });
    expect(notes?.ImageID).toBe(releases[0]?.services.notes?.image);
  });

  it('refuses a release of notes that fails on the remote host, the old one still serving', async () => {
    const file = join(stack.dir, 'notesctl.config.yaml');
    const original = await readFile(file, 'utf8');
    const failing = original.replace(
      '    http: { port: 3000',
      [
        `    command: ['node', '-e', "console.error('this release refuses to start'); process.exit(1)"]`,
        "    restart: 'no'",
        '    http: { port: 3000',
      ].join('\n'),
    );
    expect(failing).not.toBe(original);
    const engine = new Docker({ socketPath: host.dockerSocket });
    const notesNow = () =>
      engine.listContainers({
        all: true,
        filters: JSON.stringify({
          label: [`io.notesctl.project=${stack.project}`, 'io.notesctl.service=notes'],
        }),
      });
    const [serving] = await notesNow();
    await writeFile(file, failing);
    try {
      const refused = await remote(['up']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('notes');
      expect(refused.stderr).toContain('this release refuses to start');
      expect(refused.stderr).toContain('remove the failed release of notes');
      // The failed release is gone; the one that served still does, and answers.
      expect((await notesNow()).map((c) => [c.Id, c.State])).toEqual([[serving?.Id, 'running']]);
      expect((await fetch(`${notesUrl()}/notes/view?key=far`)).status).toBe(200);
    } finally {
      await writeFile(file, original);
    }
  });

  it('reports a cut SSH link mid-up clearly, and a rerun converges', async () => {
    const cut = await cutLinkDuring(['up', '--force-recreate'], /→ (stop|create|remove)/, 60_000);
    await cut.relink();
    const rerun = await remote(['up']);
    expect(rerun.code, rerun.stderr).toBe(0);
    // What the cut run left unanswered (a stop the engine still carries out) is finished first.
    const finished = rerun.stderr.split('\n').filter((line) => line.includes(' finish '));
    console.error(`the rerun, on calls the cut run left unanswered:\n${finished.join('\n')}`);
    const engine = new Docker({ socketPath: host.dockerSocket });
    const containers = await engine.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`io.notesctl.project=${stack.project}`] }),
    });
    expect(containers.map((c) => c.Labels['io.notesctl.service']).sort()).toEqual([
      'db-notes',
      'db-userauth',
      'notes',
      'userauth',
    ]);
    expect((await fetch(`${notesUrl()}/notes/view?key=far`)).status).toBe(200);
  });

  it("isolates the services on the remote host too, and the host listens only on SSH and the proxy's ports", async () => {
    const engine = new Docker({ socketPath: host.dockerSocket });
    const containers = await engine.listContainers({
      filters: JSON.stringify({ label: [`io.notesctl.project=${stack.project}`] }),
    });
    const matrix = await reachabilityMatrix(
      engine,
      new Map(containers.map((c) => [c.Labels['io.notesctl.service'] ?? '', c.Id])),
      false,
      PROXY_CONTAINER,
    );
    expect(matrix.actual).toEqual(matrix.expected);
    // Listening sockets in the host's network namespace, on addresses reachable from outside.
    const { stdout } = await execa('nsenter', [
      `--net=${netnsPath(`ntb-${host.name}`)}`,
      'ss',
      '-Hltn',
    ]);
    const listening = new Set(
      stdout
        .split('\n')
        .map((line) => line.trim().split(/\s+/)[3] ?? '')
        .filter((local) => local !== '' && !local.startsWith('127.') && !local.startsWith('[::1]'))
        .map((local) => Number(local.slice(local.lastIndexOf(':') + 1))),
    );
    expect([...listening].sort((a, b) => a - b)).toEqual(
      [22, stack.port, stack.httpsPort ?? 0].sort((a, b) => a - b),
    );
  });

  it('cuts the link during an image shipment: clear error, no image half-loaded, rerun converges', async () => {
    expect((await remote(['down'])).code).toBe(0);
    const engine = new Docker({ socketPath: host.dockerSocket });
    // Remove the app images and their base so the next up ships a few hundred MB.
    const images = await engine.listImages();
    for (const image of images) {
      const tags = image.RepoTags ?? [];
      if (tags.some((t) => t.startsWith(`notesctl-${stack.project}/`) || t.startsWith('node:'))) {
        await engine.getImage(image.Id).remove({ force: true });
      }
    }
    const cut = await cutLinkDuring(['up'], /ship image .* sent/, 120_000);
    // Whatever arrived is whole: every project image tagged on the host is the complete image.
    const local = new Docker({ socketPath: '/run/docker.sock' });
    for (const image of await engine.listImages()) {
      for (const tag of (image.RepoTags ?? []).filter((t) =>
        t.startsWith(`notesctl-${stack.project}/`),
      )) {
        expect((await local.getImage(tag).inspect()).Id).toBe(image.Id);
      }
    }
    await cut.relink();
    const rerun = await remote(['up']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((await fetch(`${notesUrl()}/notes/view?key=far`)).status).toBe(200);
  });

  it('takes the stack down remotely, keeping the volumes', async () => {
    const down = await remote(['down']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.connections).toBe(1);
    const engine = new Docker({ socketPath: host.dockerSocket });
    expect(
      await engine.listContainers({
        all: true,
        filters: JSON.stringify({ label: [`io.notesctl.project=${stack.project}`] }),
      }),
    ).toEqual([]);
    const volumes = await engine.listVolumes({
      filters: JSON.stringify({ label: [`io.notesctl.project=${stack.project}`] }),
    });
    expect(volumes.Volumes.length).toBe(2);
  });
});
