/**
 * A stop the engine has received outlives the `notesctl` that sent it: the engine goes on
 * waiting for the container to exit (up to its stop grace period), then stops it. If that
 * process was killed, the next `up` must not look at the stack before those stops have landed,
 * or it finds the container running, leaves it alone, and the stop takes it down after `up`
 * has said everything is up. Here a service ignores SIGTERM (so a stop takes its whole 4 s
 * grace period), `down` or `up --force-recreate` is SIGKILLed the moment the engine has sent
 * that service its stop signal, and the next `up` runs at once.
 */
import type { ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/** SIGKILL `child` as soon as the engine sends `service`'s container a signal (a stop's). */
async function killAtStopSignal(
  child: ChildProcess,
  service: string,
): Promise<{ killed: boolean; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const events = (await mini.docker.getEvents({
    filters: JSON.stringify({
      type: ['container'],
      event: ['kill'],
      label: [`io.notesctl.project=${mini.project}`, `io.notesctl.service=${service}`],
    }),
  })) as NodeJS.ReadableStream & { destroy(): void };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let killed = false;
  const signalled = new Promise<void>((resolve) =>
    events.on('data', () => {
      if (!killed && child.exitCode === null) {
        killed = child.kill('SIGKILL');
      }
      resolve();
    }),
  );
  await Promise.race([signalled, exited]);
  events.destroy();
  await exited;
  return { killed, stderr };
}

async function stateOf(service: string): Promise<string[]> {
  const list = await mini.docker.listContainers({
    all: true,
    filters: JSON.stringify({
      label: [`io.notesctl.project=${mini.project}`, `io.notesctl.service=${service}`],
    }),
  });
  return list.map((c) => c.State);
}

describe('a stop sent by a killed notesctl', () => {
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

  for (const command of [['down'], ['up', '--force-recreate']]) {
    it(`lands before the next up looks, after \`${command.join(' ')}\` was SIGKILLed`, async () => {
      expect(await stateOf('slow')).toEqual(['running']);
      const run = await killAtStopSignal(mini.spawn(command), 'slow');
      expect(run.killed, `the engine never signalled slow:\n${run.stderr}`).toBe(true);

      const next = await mini.cli(['up']);
      expect(next.code, next.stderr).toBe(0);
      // Longer than the grace period: a stop still pending would have taken slow down by now.
      await new Promise((r) => setTimeout(r, (GRACE_S + 2) * 1000));
      expect(await stateOf('slow')).toEqual(['running']);
      expect(next.stderr).toMatch(
        /finish stop container \S+ \(slow\) — sent by an interrupted `notesctl (down|up)` \(pid \d+\)/,
      );
      console.error(
        `after \`${command.join(' ')}\` was killed, the next up:\n${next.stderr
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
