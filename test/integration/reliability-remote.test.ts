/**
 * Issue 7's two faults on a remote host: the Notes stack deployed by `notesctl up --host h1` on a
 * namespace host (its own dockerd and sshd) reached over SSH, with users, notes and comments.
 * - `kill -9` of each service's main process (its pid from the host's engine; the host shares
 *   this machine's pid namespace): its healthcheck passes again within 10 s, the same container
 *   (restart policy), every row kept, and `ps` over SSH says so.
 * - The host's dockerd stopped: `ps` and `up` over SSH exit 1 naming h1 and saying the engine
 *   does not answer although the SSH link works, print no table and write nothing; started
 *   again: every service comes back by itself, `ps --json` over SSH agrees with the host's engine
 *   at each step, and every account, note and comment is still there.
 * The test looks at the host's engine directly through its socket; notesctl only ever uses SSH.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  projectContainers,
  psDisagreements,
  untilAllHealthy,
} from '../support/faults/engine-view.ts';
import type { EngineContainer, PsRow } from '../support/faults/engine-view.ts';
import { killRoundInTime } from '../support/faults/kill.ts';
import { checkSeededOverHttp, seedData, snapshotData } from '../support/faults/notes-data.ts';
import type { DataSnapshot, Seeded } from '../support/faults/notes-data.ts';
import { startPrivateEngine, type PrivateEngine } from '../support/faults/private-engine.ts';
import type { CliResult } from '../support/run-cli.ts';
import { createStack, type Stack } from '../support/stack.ts';

const SERVICES = ['db-notes', 'db-userauth', 'notes', 'userauth'];
/** A kill round is "starved" when tasks waited for a CPU this share of its time or more. */

let engine: PrivateEngine;
let stack: Stack;
let home: string;
let base: string;
let seeded: Seeded;
let before: DataSnapshot;
let idsBefore: Record<string, string>;
const figures: string[] = [];
const runStarted = performance.now();

/** notesctl against h1 (over SSH), with a HOME and agent of its own. */
function remote(args: string[], options: { input?: string } = {}): Promise<CliResult> {
  return stack.cli(['--host', 'h1', ...args], {
    ...options,
    env: { HOME: home, SSH_AUTH_SOCK: '' },
  });
}

/** The project's containers, as the host's engine says. */
function engineView(): Promise<Map<string, EngineContainer>> {
  return projectContainers(engine.docker, stack.project);
}

async function ids(): Promise<Record<string, string>> {
  return Object.fromEntries([...(await engineView())].map(([s, c]) => [s, c.id]));
}

/** What notesctl prints on h1's engine being down (the SSH link up): see the stop test. */
const ENGINE_DOWN =
  /^ERROR \(EngineError\) h1: reach the Docker engine at \/run\/docker\.sock: the engine does not answer — the SSH link to h1 works, but nothing listens on the socket/m;

/** The engine's view, or 'down' when its socket does not answer. */
function engineTruth(): Promise<Map<string, EngineContainer> | 'down'> {
  return engineView().catch(() => 'down' as const);
}

/**
 * `ps --json` over SSH, and where it disagrees with what the engine said just before, while and
 * just after it ran: the containers, states and health the engine lists, or exit 1 saying the
 * engine does not answer when (and only when) it did not. `said` sums up the answer.
 */
async function psAgainstEngine(): Promise<{ rows: PsRow[]; problems: string[]; said: string }> {
  const views = [await engineTruth()];
  const psDone = new AbortController();
  const sampling = (async () => {
    while (!psDone.signal.aborted) {
      views.push(await engineTruth());
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const ps = await remote(['--json', 'ps']);
  psDone.abort();
  await sampling;
  views.push(await engineTruth());
  const up = views.filter((v): v is Map<string, EngineContainer> => v !== 'down');
  const seen = views.map((v) => (v === 'down' ? 'down' : 'up')).join(',');
  if (ps.code !== 0) {
    const truthful = ps.code === 1 && ENGINE_DOWN.test(ps.stderr) && views.includes('down');
    const problems = truthful ? [] : [`ps exited ${ps.code} (engine ${seen}): ${ps.stderr}`];
    return { rows: [], problems, said: 'exit 1, the engine does not answer' };
  }
  const rows = JSON.parse(ps.stdout) as PsRow[];
  const said = rows
    .map((r) => `${r.service} ${r.state}/${r.health}`)
    .sort()
    .join(', ');
  const problems =
    up.length === 0
      ? ['ps listed containers while the engine did not answer']
      : psDisagreements(rows, up);
  for (const row of rows) if (row.host !== 'h1') problems.push(`${row.service}: host ${row.host}`);
  return { rows, problems, said };
}

/** On a failure: the apps' last log lines on h1 (when its engine answers), to tell why. */
async function printAppLogs(): Promise<void> {
  for (const [service, c] of await engineView().catch(() => new Map<string, EngineContainer>())) {
    if (service !== 'notes' && service !== 'userauth') continue;
    const logs = await engine.docker
      .getContainer(c.id)
      .logs({ stdout: true, stderr: true, timestamps: true, tail: 30 })
      .catch((error: unknown) => Buffer.from(String(error)));
    // Docker frames each chunk with an 8-byte header (stream, 0, 0, 0, length).
    let text = '';
    for (let at = 0; at + 8 <= logs.length; at += 8 + logs.readUInt32BE(at + 4))
      text += logs.subarray(at + 8, at + 8 + logs.readUInt32BE(at + 4)).toString();
    console.log(`last lines of ${service} on h1:\n${text || logs.toString()}`);
  }
}

const secretsFile = () =>
  join(stack.env.NOTESCTL_HOME ?? '', 'secrets', `${stack.project}@h1.json`);

describe('faults on a remote host over SSH: kill -9 of each service, the engine restarted', () => {
  beforeAll(async () => {
    [engine, stack, home] = await Promise.all([
      startPrivateEngine(`relrem${process.pid % 100_000}`),
      createStack('relrem'),
      mkdtemp(join(tmpdir(), 'notesctl-relrem-home-')),
    ]);
    base = `http://${engine.address}:${stack.port}`;
    // The bases are there already, as on a server that ran them before (shipping ~400 MB over
    // SSH is remote-notes' subject, and slow here): notesctl builds and ships the apps' layers.
    await engine.copyImages(['node:24-bookworm-slim', 'mariadb:10.11']);
    const provisioned = await stack.cli(
      [
        ...['provision', 'ssh', 'h1', `root@${engine.address}:22`],
        ...['--identity', engine.host.identityFile, '--accept-new-host-key'],
      ],
      { env: { HOME: home, SSH_AUTH_SOCK: '' } },
    );
    expect(provisioned.code, provisioned.stderr).toBe(0);
  });
  beforeEach(({ onTestFailed }) => onTestFailed(printAppLogs));
  afterAll(async () => {
    figures.push(`  whole file: ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
    console.log(`remote fault figures:\n${figures.join('\n')}`);
    // The host's containers, volumes and images go with it.
    await (engine as PrivateEngine | undefined)?.stop();
    await (stack as Stack | undefined)?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it("deploys the Notes stack over SSH (the apps' images shipped) and takes some data", async () => {
    const up = await remote(['up']);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toMatch(/✓ ship image notesctl-/);
    const steps = up.stderr.match(/✓ (build|ship) image .*$/gm) ?? [];
    figures.push(
      `  up --host h1 (build here, ship the apps, start, wait healthy): ${up.ms} ms`,
      ...steps.map((line) => `    ${line}`),
    );
    seeded = await seedData(remote, base, 2, 'rem');
    idsBefore = await ids();
    before = await snapshotData(engine.docker, idsBefore);
    expect(before.users.split('\n').filter(Boolean)).toHaveLength(2);
    expect(before.comments.split('\n').filter(Boolean)).toHaveLength(2);
    // ps shows Docker's own health, "healthy" only after its first scheduled check (the
    // topology's 5 s interval after each start): a fast machine can deploy and seed before that.
    await untilAllHealthy(engineView, SERVICES, 20_000);
    const { rows, problems } = await psAgainstEngine();
    expect(problems).toEqual([]);
    expect(rows.map((r) => `${r.service} ${r.state}/${r.health}`).sort()).toEqual(
      SERVICES.map((s) => `${s} running/healthy`),
    );
  });

  for (const service of ['db-notes', 'db-userauth', 'userauth', 'notes']) {
    it(`kill -9 of ${service}'s main process on h1: healthy again within 10 s, nothing lost`, async () => {
      const target = { docker: engine.docker, baseUrl: base, ids, cli: remote };
      const round = await killRoundInTime(target, service, seeded, (r, attempt, note) => {
        const { recovery, cpuStall } = r;
        const stall = cpuStall === undefined ? '?' : `${Math.round(cpuStall * 100)}%`;
        console.log(
          `recovery ${service} ${recovery.readyMs} (attempt ${attempt}, CPU stall ${stall})`,
        );
        figures.push(
          `  kill -9 ${service} (pid ${recovery.pid}, attempt ${attempt}): running again ${recovery.runningMs} ms, healthcheck passes ${recovery.readyMs} ms, Docker "healthy" ${recovery.healthyMs} ms, notes /health 200 ${r.stackHealthyMs} ms later; tasks waiting for CPU ${stall} of the time`,
        );
        if (note) figures.push(`    ${note}`);
        // Every attempt loses nothing and restarts the same container (its restart policy).
        expect(r.sameContainer).toBe(true);
        expect(r.after).toEqual(r.before);
        expect(r.overHttp).toEqual([]);
      });
      const { recovery } = round;
      // Healthy = its own healthcheck passes (what `up` waits for), from the kill, by our own
      // probe: the issue's 10 s. Docker's status follows at the next interval (5 s), one more.
      expect(recovery.readyMs).toBeLessThanOrEqual(10_000);
      expect(recovery.healthyMs).toBeLessThanOrEqual(15_000);
      // And ps over SSH says what the engine says: back, healthy.
      const { rows, problems } = await psAgainstEngine();
      expect(problems).toEqual([]);
      expect(rows.find((r) => r.service === service)).toMatchObject({
        state: 'running',
        health: 'healthy',
      });
    });
  }

  it("says h1's engine does not answer (exit 1, SSH works) and claims nothing while it is stopped", async () => {
    idsBefore = await ids();
    before = await snapshotData(engine.docker, idsBefore);
    const secrets = await readFile(secretsFile());
    const stopMs = await engine.stopDockerd();
    figures.push(
      `  dockerd on h1 stopped (SIGTERM → exit, 4 containers stopped): ${stopMs.toFixed(0)} ms`,
    );
    const ps = await remote(['ps']);
    expect(ps.code, ps.stderr).toBe(1);
    expect(ps.stderr).toMatch(ENGINE_DOWN);
    expect(ps.stderr).toMatch(/Start Docker on h1/);
    expect(ps.stdout).toBe('');
    const jsonPs = await remote(['--json', 'ps']);
    expect(jsonPs.code, jsonPs.stderr).toBe(1);
    expect(JSON.parse(jsonPs.stdout)).toEqual({
      error: expect.stringMatching(/^h1: .*the engine does not answer/) as unknown,
      kind: 'EngineError',
    });
    const up = await remote(['up']);
    expect(up.code, up.stderr).toBe(1);
    expect(up.stderr).toMatch(ENGINE_DOWN);
    expect(up.stderr).not.toMatch(/change\(s\) applied|✓/);
    expect(await readFile(secretsFile())).toEqual(secrets);
    const lock = join(stack.env.NOTESCTL_HOME ?? '', 'locks', `${stack.project}@h1.lock`);
    expect(existsSync(lock)).toBe(false);
    figures.push(`  while stopped: ps ${ps.ms} ms, up ${up.ms} ms to exit 1`);
  });

  it('brings every service back by itself when dockerd starts, and ps over SSH follows the engine', async () => {
    // ps over SSH again and again, from before dockerd starts until every service is healthy;
    // each answer must agree with what the engine said just before or just after it.
    const started = performance.now();
    let done = false;
    const steps: string[] = [];
    const problems: string[] = [];
    const watchPs = async (): Promise<void> => {
      while (!done || steps.length === 0) {
        const ps = await psAgainstEngine();
        problems.push(...ps.problems);
        if (steps.at(-1)?.endsWith(`: ${ps.said}`) !== true)
          steps.push(`${Math.round(performance.now() - started)} ms: ${ps.said}`);
      }
    };
    const watching = watchPs();
    while (steps.length === 0) await new Promise((r) => setTimeout(r, 50));
    const restarted = performance.now();
    const answerMs = await engine.startDockerd();
    const healthyAfter = await untilAllHealthy(engineView, SERVICES, 180_000, restarted).finally(
      () => (done = true),
    );
    await watching;
    figures.push(
      `  dockerd on h1 started: answering after ${answerMs.toFixed(0)} ms; healthy after ${[...healthyAfter].map(([s, ms]) => `${s} ${ms} ms`).join(', ')} (all: ${Math.max(...healthyAfter.values())} ms)`,
      `  ps --json over SSH from before the start (at ${Math.round(restarted - started)} ms) until all healthy (${steps.length} distinct answers):`,
      ...steps.map((s) => `    ${s}`),
    );
    expect(problems).toEqual([]);
    expect(steps[0]).toMatch(/exit 1, the engine does not answer$/);
    // The same containers, brought back by their restart policies (nobody ran up).
    expect(await ids()).toEqual(idsBefore);
    const last = await psAgainstEngine();
    expect(last.problems).toEqual([]);
    expect(last.rows.map((r) => `${r.service} ${r.state}/${r.health}`).sort()).toEqual(
      SERVICES.map((s) => `${s} running/healthy`),
    );
  });

  it('lost nothing: same rows in both databases, every note, comment and login works', async () => {
    expect(await snapshotData(engine.docker, idsBefore)).toEqual(before);
    expect(await checkSeededOverHttp(base, seeded)).toEqual([]);
    const again = await remote(['up']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('up to date');
  });
});
