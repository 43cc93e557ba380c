// The Notes stack on a Swarm cluster (issue 20), over SSH to three namespace test hosts started
// once for the file (test/bed/cluster.ts), formed by `notesctl cluster up` as three managers: the
// stack healthy with notes × 3 spread over the nodes and each database pinned to one; login through
// every node; the reachability matrix across nodes; an unchanged `up` making no mutating call
// (recording proxies in front of every engine); a rolling update of notes under load with no failed
// request; a failed update rolled back by Swarm itself; the loss of a node (stateless tasks move,
// the site keeps answering, the cluster stays writable) and of the database's node (reported);
// `down` leaving only the volumes. The cases run in order and build on each other.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../apps/notes/test/helpers/client.ts';
import {
  hostApi,
  recordHostCalls,
  RECORDING_SOCKET,
  startClusterBed,
  startHostEngine,
  stopHostEngine,
  trustBedHosts,
  type ClusterBed,
} from '../bed/cluster.ts';
import type { TestHost } from '../bed/hosts.ts';
import { clusterMatrix } from '../support/cluster-reachability.ts';
import { startLoad } from '../support/http-load.ts';
import type { RecordingProxy } from '../support/recording-proxy.ts';
import { runCli, spawnCli, type CliResult } from '../support/run-cli.ts';
import { untilPasses } from '../support/until.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const run = `sn${process.pid}`;
const names = ['a', 'b', 'c'].map((x) => `${run}${x}`);
const [a = '', b = '', c = ''] = names;
const PASSWORD = 'cluster-pass-4821';

let bed: ClusterBed | undefined;
let dir: string;
let proxies: RecordingProxy[] = [];

function theBed(): ClusterBed {
  if (!bed) throw new Error('the cluster bed did not start');
  return bed;
}

function host(name: string): TestHost {
  const found = theBed().hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
}

/** The repository's topology on cluster `prod`: overlays unencrypted (no ESP here), notes × 3. */
function writeTopology(notesEnv: string[] = [], notesExtra: string[] = []): void {
  let text = readFileSync(join(ROOT, 'notesctl.config.yaml'), 'utf8');
  text = text.replace(
    /^project: notes$/m,
    [
      `project: ${run}`,
      theBed().hostsYaml({ socket: RECORDING_SOCKET }),
      'clusters:',
      `  prod: { managers: [${names.join(', ')}] }`,
      'host: prod',
    ].join('\n'),
  );
  text = text
    .replace('  frontnet: {}', '  frontnet: { encrypted: false }')
    .replace('  svcnet: { internal: true }', '  svcnet: { internal: true, encrypted: false }')
    .replace('  authnet: { internal: true }', '  authnet: { internal: true, encrypted: false }')
    .replaceAll('build: apps/', `build: ${ROOT}/apps/`)
    .replace(
      '    http: { port: 3000, path: /health }',
      ['    http: { port: 3000, path: /health }', '    replicas: 3', ...notesExtra].join('\n'),
    )
    .replace('      PORT: 3000\n', ['      PORT: 3000', ...notesEnv, ''].join('\n'));
  writeFileSync(join(dir, 'notesctl.config.yaml'), text);
}

function cliEnv(): Record<string, string | undefined> {
  return {
    HOME: dir,
    NOTESCTL_HOME: join(dir, 'state'),
    SSH_AUTH_SOCK: '',
    NOTESCTL_HOST: undefined,
    NOTES_PUBLIC_URL: 'http://notes.test',
  };
}

async function cli(args: string[], timeoutMs = 120_000, input?: string): Promise<CliResult> {
  return runCli(['-f', join(dir, 'notesctl.config.yaml'), ...args], {
    env: cliEnv(),
    cwd: dir,
    timeoutMs,
    ...(input === undefined ? {} : { input }),
  });
}

interface PsRow {
  service: string;
  container: string;
  state: string;
}

async function ps(): Promise<PsRow[]> {
  const result = await cli(['--json', 'ps']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PsRow[];
}

/** The node (host name) of each running task of `service`, from `ps`. */
function nodesOf(rows: PsRow[], service: string): string[] {
  return rows
    .filter((r) => r.service === service && r.state === 'running')
    .map((r) => r.container.split('@')[1] ?? '');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `${run}-`));
  bed = await startClusterBed(names);
  trustBedHosts(dir, bed);
  proxies = await Promise.all(bed.hosts.map(recordHostCalls));
  writeTopology();
  const formed = await cli(['cluster', 'up', 'prod']);
  if (formed.code !== 0) throw new Error(`cluster up failed:\n${formed.stderr}`);
}, 180_000);

afterAll(async () => {
  await bed?.stop();
  await Promise.all(proxies.map((p) => p.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the Notes stack on a three-manager cluster', () => {
  it('deploys healthy: notes × 3 on three nodes, each database pinned to one node', async () => {
    const up = await cli(['up'], 900_000);
    expect(up.code, up.stderr).toBe(0);
    const plan = await cli(['plan']);
    expect(plan.stdout + plan.stderr).toMatch(
      /db-notes is pinned to \S+ \(its volumes live there\)/,
    );
    const rows = await ps();
    expect(new Set(nodesOf(rows, 'notes'))).toEqual(new Set(names));
    for (const service of ['db-notes', 'db-userauth', 'userauth'])
      expect(nodesOf(rows, service)).toHaveLength(1);
    expect(nodesOf(rows, 'edge-proxy').sort()).toEqual([...names].sort());
  }, 900_000);

  it('logs in and keeps a note through any node', async () => {
    const add = await cli(
      ['users', 'add', '--username', 'sam', '--password-stdin'],
      60_000,
      PASSWORD,
    );
    expect(add.code, add.stderr).toBe(0);
    const first = new Client(`http://${host(a).address}:3000`);
    expect((await first.login('sam', PASSWORD)).status).toBe(302);
    await first.get('/notes/add');
    await first.post('/notes/save', {
      docreate: 'create',
      notekey: 'swarm',
      title: 'On a cluster',
      body: 'three nodes',
    });
    for (const name of [b, c]) {
      const other = new Client(`http://${host(name).address}:3000`);
      expect((await other.login('sam', PASSWORD)).status).toBe(302);
      expect((await other.get('/notes/view?key=swarm')).text).toContain('On a cluster');
    }
  }, 120_000);

  it('keeps each database reachable from its own app alone, across nodes', async () => {
    const matrix = await clusterMatrix(theBed().hosts, run);
    expect(matrix.actual).toEqual(matrix.expected);
    expect(matrix.actual.length).toBeGreaterThan(20);
  }, 180_000);

  it('makes no mutating call on an unchanged up', async () => {
    for (const p of proxies) p.reset();
    const up = await cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    // The deploy lock's config (create, lease renewals, removal) is the only write.
    const writes = proxies.flatMap((p) => p.mutating()).filter((c) => !c.path.includes('/configs'));
    expect(writes).toEqual([]);
    expect(up.stderr).toMatch(/up to date/);
  }, 120_000);

  it('runs exec in the task --task names, as ps shows it', async () => {
    const rows = (await ps()).filter((r) => r.service === 'notes' && r.state === 'running');
    expect(rows).toHaveLength(3);
    const seen = new Set<string>();
    for (const row of rows) {
      const [task = '', node = ''] = row.container.split('@');
      const out = await cli(
        ['exec', '-T', '--task', task, 'notes', '--', 'node', '-p', "require('os').hostname()"],
        60_000,
      );
      expect(out.code, out.stderr).toBe(0);
      // A task's hostname is its container's short ID: that container runs on the task's node.
      const hostname = out.stdout.trim();
      const containers = await hostApi<{ Id: string }[]>(host(node), 'GET', '/containers/json');
      expect(containers.some((c) => c.Id.startsWith(hostname))).toBe(true);
      seen.add(hostname);
    }
    expect(seen.size).toBe(3);
    const wrong = await cli(['exec', '-T', '--task', 'notes.9', 'notes', '--', 'true']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      'exec --task notes.9: names no running task of notes (running: ',
    );
  }, 120_000);

  it('rolls notes over to a new configuration under load with no failed request', async () => {
    // logs -f follows notes through the update: the new tasks' start-up lines reach it too.
    const follow = spawnCli(['-f', join(dir, 'notesctl.config.yaml'), 'logs', '-f', 'notes'], {
      env: cliEnv(),
      cwd: dir,
    });
    let followed = '';
    follow.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    const listening = () => followed.split('\n').filter((l) => l.includes('"listening"')).length;
    await untilPasses(30_000, () => {
      expect(listening()).toBeGreaterThanOrEqual(3);
      return Promise.resolve();
    });
    const before = listening();
    writeTopology(["      DEPLOY_MARK: 'two'"]);
    const load = startLoad({
      address: host(b).address,
      port: 3000,
      host: 'notes.test',
      path: '/health',
      clients: 6,
    });
    const up = await cli(['up'], 300_000);
    const report = await load.stop();
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/update service \S+_notes \(rolling, start-first\)/);
    try {
      await untilPasses(30_000, () => {
        expect(listening()).toBeGreaterThanOrEqual(before + 3);
        return Promise.resolve();
      });
    } finally {
      follow.kill();
    }
    expect(report.failedSamples).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.non2xx).toBe(0);
    expect(report.responses).toBeGreaterThan(500);
    // Both deploys are in the cluster's release history, which any operator reads.
    const releases = await cli(['--json', 'releases']);
    expect(releases.code, releases.stderr).toBe(0);
    const [found] = JSON.parse(releases.stdout) as {
      host: string;
      releases: { id: number; changed: string[] }[];
    }[];
    expect(found?.host).toBe('prod');
    const history = found?.releases ?? [];
    expect(history.map((r) => r.id)).toEqual([1, 2]);
    expect(history.at(-1)?.changed).toEqual(['notes']);
  }, 300_000);

  it('lets Swarm roll a failing update back by itself, and says so', async () => {
    writeTopology(
      ["      DEPLOY_MARK: 'broken'"],
      ["    command: ['node', '-e', 'process.exit(3)']"],
    );
    const up = await cli(['up'], 300_000);
    expect(up.code).toBe(1);
    expect(up.stderr).toMatch(/rolling update of \S+_notes failed and Swarm rolled it back/);
    // The previous configuration serves again, and the topology as it was is a no-op.
    writeTopology(["      DEPLOY_MARK: 'two'"]);
    const again = await cli(['up'], 300_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/up to date/);
    expect((await fetch(`http://${host(c).address}:3000/health`)).status).toBe(200);
  }, 600_000);

  it('survives the loss of a node without data: tasks move, the site answers, the cluster is writable', async () => {
    const rows = await ps();
    const pinned = new Set([...nodesOf(rows, 'db-notes'), ...nodesOf(rows, 'db-userauth')]);
    const spare = names.find((n) => !pinned.has(n)) ?? c;
    const serving = names.find((n) => n !== spare) ?? a;
    await stopHostEngine(host(spare));
    try {
      // Swarm notices the node's loss, and starts its notes task on the others.
      await untilPasses(120_000, async () => {
        const now = await ps();
        const on = nodesOf(now, 'notes');
        expect(on).toHaveLength(3);
        expect(on).not.toContain(spare);
      });
      // Its userauth task may have been there too: the site answers again once that one moved.
      const back = await untilPasses(90_000, async () => {
        expect((await fetch(`http://${host(serving).address}:3000/health`)).status).toBe(200);
      });
      console.error(`notes answered through ${serving} ${back} ms after the tasks moved`);
      // Two managers of three: still a majority, so a deploy goes through.
      writeTopology(["      DEPLOY_MARK: 'three'"]);
      const up = await cli(['up'], 300_000);
      expect(up.code, up.stderr).toBe(0);
    } finally {
      await startHostEngine(host(spare));
    }
  }, 600_000);

  it("reports the database's node loss: its data is on that node", async () => {
    // The node stopped by the test before is back in the raft first: with it still catching up,
    // stopping another manager would leave no majority (and no leader) at all.
    await untilPasses(120_000, async () => {
      const nodes = await hostApi<
        { Status: { State: string }; ManagerStatus?: { Reachability: string } }[]
      >(host(a), 'GET', '/nodes');
      expect(nodes.map((n) => `${n.Status.State}/${n.ManagerStatus?.Reachability ?? ''}`)).toEqual(
        names.map(() => 'ready/reachable'),
      );
    });
    const rows = await ps();
    const [dbNode = a] = nodesOf(rows, 'db-notes');
    await stopHostEngine(host(dbNode));
    try {
      await untilPasses(60_000, async () => {
        const nodes = await hostApi<
          { Spec: { Labels: Record<string, string> }; Status: { State: string } }[]
        >(host(names.find((n) => n !== dbNode) ?? a), 'GET', '/nodes');
        const lost = nodes.find((n) => n.Spec.Labels['io.notesctl.host'] === dbNode);
        // Other managers see it `unknown`, then `down`: either way, not ready.
        expect(lost?.Status.State).not.toBe('ready');
      });
      const plan = await cli(['plan']);
      expect(plan.stderr + plan.stdout).toMatch(
        new RegExp(`db-notes is pinned to ${dbNode}, which is down`),
      );
    } finally {
      await startHostEngine(host(dbNode));
    }
  }, 300_000);

  it('takes the project off the cluster and leaves only the volumes', async () => {
    const down = await cli(['down', '--yes'], 180_000);
    expect(down.code, down.stderr).toBe(0);
    const label = encodeURIComponent(JSON.stringify({ label: [`io.notesctl.project=${run}`] }));
    // Each node drops its own copy of an overlay once its last task there is gone: poll.
    await untilPasses(60_000, async () => {
      for (const kind of ['services', 'secrets', 'configs', 'networks'])
        for (const h of theBed().hosts)
          expect(await hostApi<unknown[]>(h, 'GET', `/${kind}?filters=${label}`)).toEqual([]);
    });
    const volumes = await Promise.all(
      theBed().hosts.map((h) =>
        hostApi<{ Volumes: { Name: string }[] | null }>(h, 'GET', `/volumes?filters=${label}`),
      ),
    );
    expect(
      volumes
        .flatMap((v) => v.Volumes ?? [])
        .map((v) => v.Name)
        .sort(),
    ).toEqual([`${run}_db-notes-data`, `${run}_db-userauth-data`]);
  }, 240_000);
});
