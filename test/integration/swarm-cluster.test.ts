// `notesctl cluster up|show|ls|rm` (issue 20) over SSH against four namespace test hosts started
// once for the file (test/bed/cluster.ts): 3 managers formed and labelled, a second run that
// changes nothing and makes no mutating engine call (recording proxies in front of every engine),
// a worker joining and leaving, the loss of one manager's engine leaving the swarm writable, a host
// of another swarm refused by name, join tokens in no output or file, and `cluster rm` leaving
// every host out of any swarm. The cases run in order and build on each other.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hostApi,
  importSleeperImage,
  recordHostCalls,
  SLEEPER_IMAGE,
  RECORDING_SOCKET,
  startClusterBed,
  startHostEngine,
  stopHostEngine,
  swarmState,
  trustBedHosts,
  writeClusterTopology,
  type ClusterBed,
} from '../bed/cluster.ts';
import type { TestHost } from '../bed/hosts.ts';
import type { RecordingProxy } from '../support/recording-proxy.ts';
import { runCli, type CliResult } from '../support/run-cli.ts';

const run = `sc${process.pid}`;
const names = ['a', 'b', 'c', 'd'].map((x) => `${run}${x}`);
const [a = '', b = '', c = '', d = ''] = names;

interface Node {
  ID: string;
  Spec: { Role: string; Labels: Record<string, string> };
  Status: { State: string };
  ManagerStatus?: { Leader?: boolean };
}

let started: ClusterBed | undefined;
let dir: string;
let proxies: RecordingProxy[] = [];
const outputs: string[] = [];
const seenTokens = new Set<string>();

function theBed(): ClusterBed {
  if (!started) throw new Error('the cluster bed did not start');
  return started;
}

function host(name: string): TestHost {
  const found = theBed().hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
}

function topology(workers: string[] = []): string {
  return writeClusterTopology(
    dir,
    theBed(),
    { project: run, name: 'prod', managers: [a, b, c], workers },
    RECORDING_SOCKET,
  );
}

async function cli(args: string[]): Promise<CliResult> {
  const result = await runCli(['-f', join(dir, 'notesctl.config.yaml'), ...args], {
    env: {
      HOME: dir,
      NOTESCTL_HOME: join(dir, 'state'),
      SSH_AUTH_SOCK: '',
      NOTESCTL_HOST: undefined,
    },
    cwd: dir,
    timeoutMs: 120_000,
  });
  outputs.push(result.stdout, result.stderr);
  return result;
}

/** The swarm's nodes as `through` lists them, keyed by their notesctl host label. */
async function nodes(through = a): Promise<Map<string, Node>> {
  const list = await hostApi<Node[]>(host(through), 'GET', '/nodes');
  return new Map(list.map((n) => [n.Spec.Labels['io.notesctl.host'] ?? n.ID, n]));
}

/** The nodes on which the service's tasks run now (their node IDs). */
async function runningTasks(service: string): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ service: [service] }));
  const tasks = await hostApi<{ NodeID: string; Status: { State: string } }[]>(
    host(a),
    'GET',
    `/tasks?filters=${filters}`,
  );
  return tasks.filter((t) => t.Status.State === 'running').map((t) => t.NodeID);
}

async function rememberTokens(through: string): Promise<void> {
  const swarm = await hostApi<{ JoinTokens: { Worker: string; Manager: string } }>(
    host(through),
    'GET',
    '/swarm',
  );
  seenTokens.add(swarm.JoinTokens.Worker);
  seenTokens.add(swarm.JoinTokens.Manager);
}

/** Poll `check` every 250 ms until it holds; the last failure is thrown after `ms`. */
async function until(ms: number, check: () => Promise<void>): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await check();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > ms) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `${run}-`));
  started = await startClusterBed(names);
  trustBedHosts(dir, started);
  proxies = await Promise.all(started.hosts.map(recordHostCalls));
  topology();
});

afterAll(async () => {
  await started?.stop();
  await Promise.all(proxies.map((p) => p.close()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('notesctl cluster over SSH (3 managers)', () => {
  it('forms the swarm: every node ready, a leader, labels set', async () => {
    const up = await cli(['cluster', 'up', 'prod']);
    expect(up.code, up.stderr).toBe(0);
    console.log(`cluster up of 3 managers: ${up.ms} ms (whole CLI process)`);
    const found = await nodes();
    expect([...found.keys()].sort()).toEqual([a, b, c]);
    for (const [name, n] of found) {
      expect(n.Status.State).toBe('ready');
      expect(n.Spec.Role).toBe('manager');
      expect(n.Spec.Labels).toMatchObject({
        'io.notesctl.host': name,
        'io.notesctl.cluster': 'prod',
        'io.notesctl.edge': 'true',
      });
    }
    expect([...found.values()].filter((n) => n.ManagerStatus?.Leader)).toHaveLength(1);
    await rememberTokens(a);
    const show = await cli(['cluster', 'show', 'prod']);
    expect(show.code, show.stderr).toBe(0);
    for (const name of [a, b, c])
      expect(show.stdout).toMatch(new RegExp(`${name} +manager +active +ready`));
  });

  it('a second run changes nothing, says so, and makes no mutating engine call', async () => {
    for (const p of proxies) p.reset();
    const again = await cli(['cluster', 'up', 'prod']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('nothing to change');
    console.log(`idempotent cluster up: ${again.ms} ms (whole CLI process)`);
    expect(proxies.flatMap((p) => p.mutating())).toEqual([]);
    expect(proxies.slice(0, 3).every((p) => p.calls.length > 0)).toBe(true);
  });

  it('joins a fourth host added as a worker, then drains it (its task stops), removes it', async () => {
    topology([d]);
    const grow = await cli(['cluster', 'up', 'prod']);
    expect(grow.code, grow.stderr).toBe(0);
    const grown = await nodes();
    expect(grown.get(d)).toMatchObject({ Spec: { Role: 'worker' }, Status: { State: 'ready' } });
    await rememberTokens(b);

    // A task on every node (global mode), so the drain has something to stop on d.
    await importSleeperImage(theBed().hosts);
    await hostApi(host(a), 'POST', '/services/create', {
      Name: `${run}-sleeper`,
      Labels: { 'io.notesctl.project': run },
      TaskTemplate: {
        ContainerSpec: { Image: SLEEPER_IMAGE, Command: ['/usr/bin/sleep', '3600'] },
      },
      Mode: { Global: {} },
    });
    const ms = await until(60_000, async () => {
      expect(await runningTasks(`${run}-sleeper`)).toHaveLength(4);
    });
    console.log(`a task running on each of 4 nodes ${ms} ms after the service was created`);

    topology();
    const shrink = await cli(['cluster', 'up', 'prod']);
    expect(shrink.code, shrink.stderr).toBe(0);
    expect(shrink.stderr).toMatch(
      new RegExp(`drain ${d}[\\s\\S]*${d} leaves the swarm[\\s\\S]*remove node`),
    );
    expect([...(await nodes()).keys()].sort()).toEqual([a, b, c]);
    expect(await swarmState(host(d))).toBe('inactive');
    expect(await runningTasks(`${run}-sleeper`)).toHaveLength(3);
    expect(await hostApi<unknown[]>(host(d), 'GET', '/containers/json?all=1')).toEqual([]);
  });

  it('stays writable through another manager while one manager’s engine is down', async () => {
    await stopHostEngine(host(a));
    try {
      // Raft elects a new leader within a few seconds when the stopped one led.
      const ms = await until(30_000, async () => {
        const created = await hostApi<{ ID: string }>(host(b), 'POST', '/configs/create', {
          Name: `${run}-probe`,
          Labels: { 'io.notesctl.project': run },
          Data: Buffer.from('probe').toString('base64'),
        });
        await hostApi(host(b), 'DELETE', `/configs/${created.ID}`);
      });
      console.log(`config created and removed through ${b} ${ms} ms after ${a}'s engine stopped`);
      const show = await cli(['cluster', 'show', 'prod']);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stderr).toContain(`host ${a} does not answer`);
    } finally {
      await startHostEngine(host(a));
    }
    // Back: every manager, the restarted one included, sees every node ready again.
    await until(60_000, async () => {
      for (const through of [a, b, c]) {
        const states = [...(await nodes(through)).values()].map((n) => n.Status.State);
        expect(states).toEqual(['ready', 'ready', 'ready']);
      }
    });
  });

  it('refuses a host that is in another swarm, naming it and what to do', async () => {
    await hostApi(host(d), 'POST', '/swarm/init', {
      ListenAddr: '0.0.0.0:2377',
      AdvertiseAddr: `${host(d).address}:2377`,
    });
    try {
      topology([d]);
      const refused = await cli(['cluster', 'up', 'prod']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`host ${d} is already in another swarm`);
      expect(refused.stderr).toContain(`notesctl hosts ssh ${d} docker swarm leave --force`);
      expect([...(await nodes()).keys()].sort()).toEqual([a, b, c]);
    } finally {
      await hostApi(host(d), 'POST', '/swarm/leave?force=true');
      topology();
    }
  });

  it('never shows or stores a join token', () => {
    expect(seenTokens.size).toBe(2);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'));
    for (const token of seenTokens) {
      for (const text of [...outputs, ...files]) expect(text.includes(token)).toBe(false);
    }
  });

  it('cluster rm asks, refuses while the project runs there, then leaves the hosts as they were', async () => {
    const ls = await cli(['cluster', 'ls']);
    expect(ls.stdout).toMatch(/prod +\S+ +3 +ready\n/);
    const busy = await cli(['cluster', 'rm', 'prod']);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toContain(`cluster prod runs 1 services of project ${run}`);
    expect(busy.stderr).toContain('`notesctl down`');
    const unasked = await cli(['cluster', 'rm', 'prod', '--force']);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toContain('refusing without confirmation');
    expect(await swarmState(host(a))).toBe('active');
    const rm = await cli(['cluster', 'rm', 'prod', '--yes', '--force']);
    expect(rm.code, rm.stderr).toBe(0);
    console.log(`cluster rm of 3 managers: ${rm.ms} ms (whole CLI process)`);
    for (const name of [a, b, c]) {
      expect(await swarmState(host(name))).toBe('inactive');
      // The gateway bridge Swarm made at init/join is gone too: the hosts are as they were.
      const networks = await hostApi<{ Name: string }[]>(host(name), 'GET', '/networks');
      expect(networks.map((n) => n.Name).sort()).toEqual(['bridge', 'host', 'none']);
      await until(30_000, async () => {
        expect(await hostApi<unknown[]>(host(name), 'GET', '/containers/json?all=1')).toEqual([]);
      });
    }
  });
});
