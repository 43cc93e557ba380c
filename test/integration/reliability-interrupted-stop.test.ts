/**
 * A stop the engine has received outlives the `notesctl` that sent it: the engine goes on
 * waiting for the container to exit (up to its stop grace period), then stops it. If that
 * process was killed, the next `up` must not look at the stack before those stops have landed,
 * or it finds the container running, leaves it alone, and the stop takes it down after `up`
 * has said everything is up. The same holds when the process lives but its link to the engine
 * breaks before the answer comes (a cut SSH connection). Here a service ignores SIGTERM (so a
 * stop takes its whole 4 s grace period); the moment the engine has sent that service its stop
 * signal, `down` or `up --force-recreate` is SIGKILLed, or the link between `down` and the
 * engine (a socket in front of Docker's) is cut; then the next `up` runs at once.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy } from '../bed/delay-proxy.ts';
import { createMini, type Mini } from '../support/mini.ts';

const GRACE_S = 4;
const SLOW = `
  slow:
    image: node:24-bookworm-slim
    command:
      [
        'node',
        '-e',
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); setInterval(() => {}, 1000)",
      ]
    networks: [net]
    stop_grace_period: ${GRACE_S}s
`;

let mini: Mini;

/** How the run ended: whether the test acted on it, its exit code, what it printed. */
interface RunEnd {
  acted: boolean;
  code: number | null;
  stderr: string;
}

/** Do `act` once, as soon as the engine sends `service`'s container a signal (a stop's). */
async function atStopSignal(
  child: ChildProcess,
  service: string,
  act: () => boolean,
): Promise<RunEnd> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events = (await mini.docker.getEvents({
    filters: JSON.stringify({
      type: ['container'],
      event: ['kill'],
      label: [`io.notesctl.project=${mini.project}`, `io.notesctl.service=${service}`],
    }),
  })) as NodeJS.ReadableStream & { destroy(): void };
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let acted = false;
  const signalled = new Promise<void>((resolve) =>
    events.on('data', () => {
      if (!acted && child.exitCode === null) acted = act();
      resolve();
    }),
  );
  await Promise.race([signalled, exited]);
  events.destroy();
  return { acted, code: await exited, stderr };
}

/** Run `command`, ending it the given way at slow's stop signal; it must end then. */
async function endAtStopSignal(command: string[], how: 'kill' | 'cut'): Promise<RunEnd> {
  if (how === 'kill') {
    const child = mini.spawn(command);
    return atStopSignal(child, 'slow', () => child.kill('SIGKILL'));
  }
  // The engine through a socket of our own, closed (with its connections) at the signal.
  const path = join(tmpdir(), `notesctl-link-${mini.project}.sock`);
  const link = await startDelayProxy({
    targetHost: '',
    targetPort: 0,
    targetPath: '/run/docker.sock',
    listenPath: path,
    delayMs: 0,
  });
  const child = mini.spawn(command, { DOCKER_HOST: `unix://${path}` });
  return atStopSignal(child, 'slow', () => {
    void link.close();
    return true;
  });
}

async function stateOf(service: string): Promise<string[]> {
  const list = await mini.containers();
  return list.filter((c) => c.Labels['io.notesctl.service'] === service).map((c) => c.State);
}

describe('a stop sent by a notesctl that was killed or cut off from the engine', () => {
  beforeAll(async () => {
    mini = await createMini('stop');
    const file = join(mini.dir, 'notesctl.config.yaml');
    await writeFile(file, `${(await readFile(file, 'utf8')).trimEnd()}\n${SLOW}`);
    const up = await mini.cli(['up']);
    expect(up.code, up.stderr).toBe(0);
  });
  afterAll(async () => {
    await (mini as Mini | undefined)?.destroy();
  });

  const cases = [
    {
      command: ['down'],
      how: 'kill',
      ended: 'was SIGKILLed',
      sender: /an interrupted `notesctl down`/,
    },
    {
      command: ['up', '--force-recreate'],
      how: 'kill',
      ended: 'was SIGKILLed',
      sender: /an interrupted `notesctl up`/,
    },
    {
      command: ['down'],
      how: 'cut',
      ended: 'lost its link to the engine',
      sender: /`notesctl down` \(pid \d+\) before it lost the engine/,
    },
  ] as const;
  for (const { command, how, ended, sender } of cases) {
    it(`lands before the next up looks, after \`${command.join(' ')}\` ${ended}`, async () => {
      expect(await stateOf('slow')).toEqual(['running']);
      const run = await endAtStopSignal([...command], how);
      expect(run.acted, `the engine never signalled slow:\n${run.stderr}`).toBe(true);
      // Cut off, the process ends by itself: failing, and naming the engine it lost.
      if (how === 'cut') {
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toMatch(/local: stop container \w+: socket hang up/);
        expect(run.stderr).toMatch(/may still be carried out[\s\S]*finishes what was left/);
      }

      const next = await mini.cli(['up']);
      expect(next.code, next.stderr).toBe(0);
      // Longer than the grace period: a stop still pending would have taken slow down by now.
      await new Promise((r) => setTimeout(r, (GRACE_S + 2) * 1000));
      expect(await stateOf('slow')).toEqual(['running']);
      expect(next.stderr).toMatch(/finish stop container \S+ \(slow\) — sent by /);
      expect(next.stderr).toMatch(sender);
      console.error(
        `after \`${command.join(' ')}\` ${ended}, it said:\n${run.stderr.trim()}\nthe next up:\n${next.stderr
          .split('\n')
          .filter((line) => line.includes('finish'))
          .join('\n')}\n(returned after ${next.ms} ms)`,
      );
      const again = await mini.cli(['up']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/up to date/);
    });
  }
});
