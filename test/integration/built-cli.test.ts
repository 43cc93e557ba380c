// The built CLI (bin/notesctl → dist/), which alone has the topology cache (src/config/cache.ts):
// an unchanged topology is not checked again, yet every change a check or the plan could see —
// an environment variable, the file, its `.env`, a Dockerfile's HEALTHCHECK — is picked up, and a
// broken file is reported as usual. Against the real local engine, with a tiny topology.
import Docker from 'dockerode';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
} from 'node:fs';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianImage } from '../bed/images.ts';
import { runMeasured } from '../support/faults/measured-cli.ts';
import { assertBuiltCli, runCli, type CliResult } from '../support/run-cli.ts';
import { until } from '../support/until.ts';

const project = `bc${process.pid}${Math.random().toString(36).slice(2, 6)}`;
const FILE = 'notesctl.config.yaml';
const HEALTHCHECK = 'HEALTHCHECK --interval=1s --timeout=5s CMD true';
const docker = new Docker({ socketPath: '/run/docker.sock' });
const byProject = { filters: JSON.stringify({ label: [`io.notesctl.project=${project}`] }) };

/** The topology: `app` from an image, waiting for the built `worker` to be healthy. */
function topology(options: { colour?: string; extra?: string } = {}): string {
  return [
    `project: ${project}`,
    'services:',
    '  app:',
    `    image: ${debianImage}`,
    "    command: ['sleep', 'infinity']",
    '    env:',
    "      GREETING: '${GREETING}'",
    "      MOOD: '${MOOD:-calm}'",
    `      COLOUR: ${options.colour ?? 'red'}`,
    ...(options.extra === undefined ? [] : [options.extra]),
    '    depends_on: { worker: healthy }',
    '    stop_grace_period: 1s',
    '  worker:',
    '    build: worker',
    '    stop_grace_period: 1s',
    '',
  ].join('\n');
}

/** One operation of `plan --json`. */
interface Operation {
  id: string;
  kind: string;
  description: string;
  cause: string;
}

/** One host's part of `plan --json`. */
interface HostPlan {
  project: string;
  host: string;
  operations: Operation[];
  unchanged: string[];
  images: { service: string; action: string }[];
}

describe('the built CLI: topology cache', () => {
  let dir: string;
  let home: string;
  /** The process environment of the next commands (GREETING is required by the file). */
  let vars: Record<string, string | undefined> = { GREETING: 'one' };

  const cli = (args: string[], extra: Record<string, string | undefined> = {}) =>
    runCli(['-f', FILE, ...args], {
      cwd: dir,
      built: true,
      // MOOD unset unless a test sets it: the file's default or `.env` decide.
      env: { HOME: dir, NOTESCTL_HOME: home, MOOD: undefined, ...vars, ...extra },
    });
  const ok = (result: CliResult): CliResult => {
    expect(result.code, result.stderr).toBe(0);
    return result;
  };
  const plan = async (extra: Record<string, string | undefined> = {}): Promise<HostPlan> => {
    const result = ok(await cli(['--json', 'plan'], extra));
    const hosts = JSON.parse(result.stdout) as HostPlan[];
    expect(hosts).toHaveLength(1);
    return hosts[0] as HostPlan;
  };
  const cacheDir = () => join(home, 'cache');
  const entries = () =>
    readdirSync(cacheDir()).filter((f) => f.startsWith('topology-') && f.endsWith('.json'));
  /** The one cache entry's identity: written atomically (rename), so a rewrite changes it. */
  const entryStamp = (): string => {
    const names = entries();
    expect(names).toHaveLength(1);
    const info = statSync(join(cacheDir(), names[0] ?? ''), { bigint: true });
    return `${info.ino}:${info.mtimeNs}`;
  };
  const write = (path: string, text: string) => writeFileSync(join(dir, path), text);
  const running = async (service: string) => {
    const all = await docker.listContainers({
      all: true,
      filters: JSON.stringify({
        label: [`io.notesctl.project=${project}`, `io.notesctl.service=${service}`],
      }),
    });
    expect(all, `containers of ${service}`).toHaveLength(1);
    return all[0] as Docker.ContainerInfo;
  };
  const envOf = async (service: string): Promise<string[]> => {
    const info = await docker.getContainer((await running(service)).Id).inspect();
    return info.Config.Env;
  };
  const appCreate = (p: HostPlan) => p.operations.find((o) => o.id === 'create:app');

  beforeAll(() => {
    assertBuiltCli();
    dir = mkdtempSync(join(tmpdir(), `notesctl-${project}-`));
    home = join(dir, 'state');
    mkdirSync(join(dir, 'worker'));
    write('worker/Dockerfile', `FROM ${debianImage}\n${HEALTHCHECK}\nCMD ["sleep", "infinity"]\n`);
    write(FILE, topology());
  });

  afterAll(async () => {
    // Everything of the project, whatever state the tests left the file in.
    for (const c of await docker.listContainers({ all: true, ...byProject }))
      await docker.getContainer(c.Id).remove({ force: true, v: true });
    for (const n of await docker.listNetworks(byProject)) await docker.getNetwork(n.Id).remove();
    for (const v of (await docker.listVolumes(byProject)).Volumes)
      await docker.getVolume(v.Name).remove({ force: true });
    for (const image of await docker.listImages(byProject))
      await docker.getImage(image.Id).remove({ force: true });
    // The release history's holder and volume (issue 19) carry a label of their own.
    const byHistory = { filters: JSON.stringify({ label: [`io.notesctl.releases=${project}`] }) };
    for (const c of await docker.listContainers({ all: true, ...byHistory }))
      await docker.getContainer(c.Id).remove({ force: true });
    // Docker sends null for an empty list.
    const volumes = (await docker.listVolumes(byHistory)).Volumes as
      Docker.VolumeInspectInfo[] | null;
    for (const v of volumes ?? []) await docker.getVolume(v.Name).remove({ force: true });
    if ((dir as string | undefined) !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('checks the file on the first run and keeps a private cache entry', async () => {
    const first = await plan();
    expect(first.project).toBe(project);
    expect(first.operations.map((o) => o.id)).toEqual(
      expect.arrayContaining(['create:app', 'create:worker', 'ready:worker:healthy']),
    );
    expect(first.images).toEqual([expect.objectContaining({ service: 'worker', action: 'build' })]);
    const [name] = entries();
    expect(entries()).toHaveLength(1);
    expect(statSync(join(cacheDir(), name ?? '')).mode & 0o777).toBe(0o600);
    expect(statSync(cacheDir()).mode & 0o777).toBe(0o700);
    // The variables the file looked up are remembered, to notice when one changes.
    const entry = JSON.parse(readFileSync(join(cacheDir(), name ?? ''), 'utf8')) as {
      variables: string[];
    };
    expect(entry.variables).toEqual(expect.arrayContaining(['GREETING', 'MOOD']));
  });

  it('deploys from the entry, and an identical run reuses it and plans the same', async () => {
    const stamp = entryStamp();
    ok(await cli(['up']));
    expect(await envOf('app')).toEqual(
      expect.arrayContaining(['GREETING=one', 'MOOD=calm', 'COLOUR=red']),
    );
    const a = await plan();
    const b = await plan();
    expect(b).toEqual(a);
    expect(a.operations.filter((o) => o.kind !== 'wait-ready')).toEqual([]);
    expect(a.unchanged).toEqual(['app', 'worker']);
    // ps shows Docker's own health status: `up` ran the check itself, and Docker reports
    // "healthy" only after its first scheduled check (1 s after the start here), so a fast
    // machine can still see "starting" right after `up`.
    const ps = async () =>
      JSON.parse(ok(await cli(['--json', 'ps'])).stdout) as Record<string, string>[];
    expect(await ps()).toEqual([
      expect.objectContaining({ service: 'app', state: 'running' }),
      expect.objectContaining({
        service: 'worker',
        state: 'running',
        health: expect.stringMatching(/^(starting|healthy)$/) as unknown,
      }),
    ]);
    await until(async () => (await ps())[1]?.health === 'healthy', 15_000);
    // Not one of these runs rewrote the entry: each reused it.
    expect(entryStamp()).toBe(stamp);
  });

  it('picks up a changed ${VAR} value in the environment', async () => {
    const before = (await running('app')).Names[0]?.slice(1);
    const changed = await plan({ GREETING: 'two' });
    expect(changed.unchanged).toEqual(['worker']);
    expect(appCreate(changed)?.cause).toBe('configuration or image changed (config hash differs)');
    expect(appCreate(changed)?.description).not.toContain(before);
    // …and back: the entry written for "two" is not taken for "one".
    const back = await plan();
    expect(back.unchanged).toEqual(['app', 'worker']);
    vars = { GREETING: 'two' };
    ok(await cli(['up']));
    expect(await envOf('app')).toEqual(expect.arrayContaining(['GREETING=two']));
    expect(appCreate(changed)?.description).toContain((await running('app')).Names[0]?.slice(1));
  });

  it('picks up an edit of the file', async () => {
    expect((await plan()).unchanged).toEqual(['app', 'worker']);
    write(FILE, topology({ colour: 'blue' }));
    const edited = await plan();
    expect(edited.unchanged).toEqual(['worker']);
    expect(appCreate(edited)).toBeDefined();
    ok(await cli(['up']));
    expect(await envOf('app')).toEqual(expect.arrayContaining(['COLOUR=blue', 'MOOD=calm']));
  });

  it('picks up a .env file added beside it', async () => {
    expect((await plan()).unchanged).toEqual(['app', 'worker']);
    write('.env', 'MOOD=happy\n');
    const withDotEnv = await plan();
    expect(withDotEnv.unchanged).toEqual(['worker']);
    expect(appCreate(withDotEnv)).toBeDefined();
    ok(await cli(['up']));
    expect(await envOf('app')).toEqual(expect.arrayContaining(['MOOD=happy', 'GREETING=two']));
    expect((await plan()).unchanged).toEqual(['app', 'worker']);
  });

  it('reports an invalid edit afresh (exit 2) although a cache entry exists', async () => {
    const stamp = entryStamp();
    const app = (await running('app')).Id;
    const text = topology({ colour: 'blue', extra: '    colour: blue' });
    write(FILE, text);
    const line = text.split('\n').indexOf('    colour: blue') + 1;
    for (const command of ['plan', 'up']) {
      const broken = await cli([command]);
      expect(broken.code, broken.stderr).toBe(2);
      expect(broken.stderr).toContain('1 problem in the topology');
      expect(broken.stderr).toContain(
        `${FILE}:${line}:5 services.app.colour: unknown key "colour"`,
      );
    }
    // Nothing was touched, and a broken file is never cached.
    expect((await running('app')).Id).toBe(app);
    expect(entryStamp()).toBe(stamp);
    write(FILE, topology({ colour: 'blue' }));
    expect((await plan()).unchanged).toEqual(['app', 'worker']);
  });

  it('reports a .env it cannot read (exit 2) although a cache entry exists', async () => {
    // Cached without a .env, then a folder named .env appears: no bytes to compare, yet no file.
    const dotEnv = readFileSync(join(dir, '.env'));
    rmSync(join(dir, '.env'));
    expect((await plan()).unchanged).toEqual(['worker']); // MOOD is back to its default
    const stamp = entryStamp();
    mkdirSync(join(dir, '.env'));
    try {
      for (const command of ['plan', 'up']) {
        const broken = await cli([command]);
        expect(broken.code, broken.stderr).toBe(2);
        expect(broken.stderr).toContain('.env (file): expected a file, got a directory or device');
      }
      expect(entryStamp()).toBe(stamp);
    } finally {
      rmSync(join(dir, '.env'), { recursive: true });
      writeFileSync(join(dir, '.env'), dotEnv);
    }
    expect((await plan()).unchanged).toEqual(['app', 'worker']);
  });

  it('fails with exit 2 once the Dockerfile a "healthy" dependency relies on loses its HEALTHCHECK', async () => {
    // A successful run from the cache first: the entry is there and is reused.
    const stamp = entryStamp();
    expect((await plan()).unchanged).toEqual(['app', 'worker']);
    expect(entryStamp()).toBe(stamp);
    // Same size: only the file's times and contents tell.
    const dockerfile = readFileSync(join(dir, 'worker/Dockerfile'), 'utf8');
    write('worker/Dockerfile', dockerfile.replace(HEALTHCHECK, `#${HEALTHCHECK.slice(1)}`));
    for (const command of ['plan', 'up']) {
      const result = await cli([command]);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(
        'services.app.depends_on.worker: "healthy" needs a healthcheck on worker, but worker/Dockerfile has no HEALTHCHECK',
      );
    }
  });

  it('refuses a 1.5 GiB topology without reading it, on the way to the cache too', async () => {
    // A hole: costs no disk, but reading the file to hash it for the cache key would show in
    // the process's peak memory (the limit of the hostile-topology suite).
    const big = join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, 1.5 * 1024 * 1024 * 1024);
    const run = await runMeasured(['-f', big, 'plan'], {
      cwd: dir,
      env: { HOME: dir, NOTESCTL_HOME: home },
      built: true,
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/\(file\): file is 1536\.0 MiB; the limit is 1 MiB/);
    expect(run.maxRssKb).toBeLessThan(256 * 1024);
  });
});
