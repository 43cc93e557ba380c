/**
 * The everyday commands on the real local engine with a small topology: up (with a one-shot
 * dependency), ps, logs, exec, plan, down, and two `up` at once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerEvents } from '../support/engine-events.ts';
import { createMini, type Mini } from '../support/mini.ts';
import {
  besidesDeployLock,
  startRecordingProxy,
  type RecordingProxy,
} from '../support/recording-proxy.ts';

let mini: Mini;
let proxy: RecordingProxy;

async function untilOutput(
  child: ReturnType<Mini['spawn']>,
  pattern: RegExp,
  ms = 30_000,
): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${String(pattern)} in: ${out}`)), ms);
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
  });
}

/** Time (ns) of the first `action` event of `service`'s container since `since` (s). */
async function engineEvents(
  m: Mini,
  since: number,
): Promise<(action: string, service: string) => number> {
  const events = await containerEvents(m.docker, [`io.notesctl.project=${m.project}`], since);
  return (action, service) => {
    const found = events.find(
      (e) => e.Action === action && e.Actor.Attributes['io.notesctl.service'] === service,
    );
    if (!found) throw new Error(`no ${action} event for ${service} in ${JSON.stringify(events)}`);
    return found.timeNano;
  };
}

describe('everyday commands', () => {
  beforeAll(async () => {
    mini = await createMini('cmd');
    proxy = await startRecordingProxy();
  });
  afterAll(async () => {
    await (proxy as RecordingProxy | undefined)?.close();
    await (mini as Mini | undefined)?.destroy();
  });

  it('up runs the one-shot job to completion before its dependent, then stays a no-op', async () => {
    const up = await mini.cli(['up']);
    expect(up.code, up.stderr).toBe(0);
    // The head of the longest chain (migrate → web → worker) is started before anything it
    // does not need is begun: the other services' containers are created after that.
    const progress = `${up.stdout}\n${up.stderr}`.split('\n');
    const begun = (pattern: RegExp) => progress.findIndex((line) => pattern.test(line));
    expect(begun(/→ start migrate$/), progress.join('\n')).toBeGreaterThan(-1);
    for (const service of ['web', 'worker'])
      expect(begun(new RegExp(`→ create container \\S+ \\(${service}\\)`))).toBeGreaterThan(
        begun(/→ start migrate$/),
      );
    const byService = new Map(
      (await mini.containers()).map((c) => [c.Labels['io.notesctl.service'], c]),
    );
    expect(byService.get('migrate')?.State).toBe('exited');
    expect(byService.get('web')?.State).toBe('running');
    expect(byService.get('worker')?.State).toBe('running');
    const token = JSON.parse(
      await readFile(
        join(mini.env.NOTESCTL_HOME ?? '', 'secrets', `${mini.project}@local.json`),
        'utf8',
      ),
    ) as {
      secrets: { token: string };
    };
    expect(await (await fetch(`http://127.0.0.1:${mini.port}/`)).text()).toBe(
      `hello world ${token.secrets.token.length}\n`,
    );
    proxy.reset();
    const again = await mini.cli(['up'], { env: { DOCKER_HOST: proxy.dockerHost } });
    expect(again.code).toBe(0);
    // Nothing but the deploy lock's own create and release.
    expect(proxy.mutating()).toHaveLength(2);
    expect(besidesDeployLock(proxy.mutating(), mini.project)).toEqual([]);
  });

  it('ps reports state, health, ports and image, as a table and as JSON', async () => {
    const table = await mini.cli(['ps']);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^SERVICE\s+HOST\s+STATE\s+HEALTH\s+PORTS\s+IMAGE\s+UPTIME\s+CONTAINER$/,
    );
    const rows = JSON.parse((await mini.cli(['--json', 'ps'])).stdout) as Record<string, string>[];
    const web = rows.find((r) => r.service === 'web');
    expect(web?.state).toBe('running');
    expect(web?.ports).toContain(`${mini.port}->8080/tcp`);
    expect(rows.find((r) => r.service === 'migrate')?.state).toBe('exited');
  });

  it('logs merges services with aligned prefixes and honours --tail', async () => {
    const result = await mini.cli(['logs', '--tail', '3', 'web', 'worker']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.some((l) => l.startsWith('web    | web listening on 8080'))).toBe(true);
    expect(lines.filter((l) => l.startsWith('worker | tick')).length).toBe(3);
  });

  it('logs -f follows until Ctrl-C, then exits 0', async () => {
    const child = mini.spawn(['logs', '-f', '--tail', '0', 'worker']);
    await untilOutput(child, /tick \d+\n.*tick \d+/s);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('exec passes the exit code and standard input through', async () => {
    expect((await mini.cli(['exec', 'web', '--', 'node', '-e', 'process.exit(7)'])).code).toBe(7);
    const cat = await mini.cli(['exec', '-T', 'web', '--', 'cat'], { input: 'piped text' });
    expect(cat.stdout).toBe('piped text');
    const user = await mini.cli(['exec', 'web', '--', 'id', '-un']);
    expect(user.stdout.trim()).toBe('node');
    const unknown = await mini.cli(['exec', 'nope', '--', 'true']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown service: nope');
  });

  it('plan --json describes an env change as a recreate of that service only', async () => {
    const result = await mini.cli(['--json', 'plan'], { env: { GREETING: 'there' } });
    const [plan] = JSON.parse(result.stdout) as { operations: { id: string; cause: string }[] }[];
    const ids = plan?.operations.map((o) => o.id) ?? [];
    expect(ids).toContain('create:web');
    expect(ids.some((id) => id.startsWith('create:') && id !== 'create:web')).toBe(false);
  });

  it('serialises two concurrent `up`s: both succeed and one container per service remains', async () => {
    const env = { GREETING: 'concurrent' };
    const [a, b] = await Promise.all([
      mini.cli(['up'], { env }),
      mini.cli(['up', '--force-recreate'], { env }),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(`${a.stderr}${b.stderr}`).toContain('waiting for `notesctl up`');
    const services = (await mini.containers()).map((c) => c.Labels['io.notesctl.service']).sort();
    expect(services).toEqual(['migrate', 'web', 'worker']);
    expect(await (await fetch(`http://127.0.0.1:${mini.port}/`)).text()).toMatch(
      /^hello concurrent /,
    );
  });

  let strayId = '';

  it("leaves alone a container someone started from one of its images (it inherits the image's labels)", async () => {
    const web = (await mini.containers()).find((c) => c.Labels['io.notesctl.service'] === 'web');
    const stray = await mini.docker.createContainer({
      Image: web?.ImageID ?? '',
      Cmd: ['node', '-e', 'setTimeout(() => {}, 600000)'],
    });
    strayId = stray.id;
    await stray.start();
    expect((await stray.inspect()).Config.Labels['io.notesctl.project']).toBe(mini.project);
    const rows = JSON.parse((await mini.cli(['--json', 'ps'])).stdout) as { container: string }[];
    expect(rows).toHaveLength(3);
    const plan = await mini.cli(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).not.toMatch(/orphan/i);
  });

  it('down --volumes without a terminal needs --yes and changes nothing without it', async () => {
    const refused = await mini.cli(['down', '--volumes']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const ours = async () => (await mini.containers()).filter((c) => c.Id !== strayId);
    expect((await ours()).length).toBe(3);
    const since = Math.floor(Date.now() / 1000) - 1;
    const down = await mini.cli(['-v', 'down']);
    expect(down.code, down.stderr).toBe(0);
    expect(await ours()).toEqual([]);
    // worker depends on web: web gets its stop signal only after worker's process ended (its
    // "die"), but before the engine finished cleaning up after worker (worker's "stop" event),
    // because down watches the engine's events for exits.
    const at = await engineEvents(mini, since);
    const kill = at('kill', 'web');
    expect(kill).toBeGreaterThanOrEqual(at('die', 'worker'));
    expect(kill).toBeLessThan(at('stop', 'worker'));
    expect(down.stderr).toMatch(/stop container \S+ \(worker\): exited, the engine is cleaning up/);
    // Not ours: still there after down.
    const stray = mini.docker.getContainer(strayId);
    expect((await stray.inspect()).State.Running).toBe(true);
    await stray.remove({ force: true });
  });
});
