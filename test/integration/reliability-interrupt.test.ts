/**
 * `notesctl up` interrupted at 18 points of a fresh deploy and of an update (issue 7), with
 * SIGINT (Ctrl-C: finish the calls in flight, then stop) and SIGKILL (nothing finishes), on the
 * small topology (test/fixtures/mini, plus a volume): right after each interruption the secret
 * store is whole and private, and a lock is left only by a killed process; the next `up` takes
 * over without waiting, converges — one container per service, no orphan, exactly the declared
 * network and volume — and serves the new configuration. The Notes stack's own points are in
 * reliability-notes-stack.test.ts.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  engineProblems,
  interruptAt,
  stateProblems,
  type Expected,
  type InterruptPoint,
} from '../support/faults/interrupt.ts';
import { createMini, type Mini } from '../support/mini.ts';

interface Point extends InterruptPoint {
  phase: 'fresh' | 'update';
  /** Remove the web image first, so the fresh deploy builds it. */
  rebuild?: boolean;
}

const POINTS: Point[] = [
  { phase: 'fresh', signal: 'SIGKILL', at: { ms: 400 } },
  { phase: 'fresh', signal: 'SIGINT', at: /→ build image/, rebuild: true },
  { phase: 'fresh', signal: 'SIGKILL', at: /→ build image/, rebuild: true },
  { phase: 'fresh', signal: 'SIGKILL', at: /→ create network/ },
  { phase: 'fresh', signal: 'SIGINT', at: /✓ create network/ },
  { phase: 'fresh', signal: 'SIGKILL', at: /→ create volume/ },
  { phase: 'fresh', signal: 'SIGKILL', at: /→ create container \S+ \(web\)/ },
  { phase: 'fresh', signal: 'SIGKILL', at: /→ copy 1 secret/ },
  { phase: 'fresh', signal: 'SIGINT', at: /→ start migrate/ },
  { phase: 'fresh', signal: 'SIGKILL', at: /→ wait until migrate is completed/ },
  { phase: 'fresh', signal: 'SIGINT', at: /→ wait until web is healthy/ },
  { phase: 'fresh', signal: 'SIGKILL', at: /→ start worker/ },
  { phase: 'update', signal: 'SIGKILL', at: /→ create container \S+ \(web\)/ },
  { phase: 'update', signal: 'SIGINT', at: /→ copy 1 secret/ },
  { phase: 'update', signal: 'SIGKILL', at: /→ stop container \S+ \(web\)/ },
  { phase: 'update', signal: 'SIGINT', at: /→ remove container \S+ \(web\)/ },
  { phase: 'update', signal: 'SIGKILL', at: /→ start web/ },
  { phase: 'update', signal: 'SIGINT', at: /→ wait until web is healthy/ },
];

/** 0 when `url` already answers with `prefix`, else the ms until it does (deadline 30 s). */
async function untilServes(url: string, prefix: string): Promise<number> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const text = await fetch(url).then(
      (r) => r.text(),
      () => '',
    );
    if (text.startsWith(prefix)) return attempt === 0 ? 0 : Date.now() - started;
    if (Date.now() - started > 30_000)
      throw new Error(`${url} never answered "${prefix}…": ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let mini: Mini;
let expected: Expected;
const figures: string[] = [];

describe('notesctl up interrupted, then run again', () => {
  beforeAll(async () => {
    mini = await createMini('intr');
    // A volume too, so a duplicate or orphan volume would show.
    const file = join(mini.dir, 'notesctl.config.yaml');
    const text = (await readFile(file, 'utf8'))
      .replace('networks:\n  net: {}\n', 'networks:\n  net: {}\nvolumes:\n  data: {}\n')
      .replace(
        '    depends_on: { web: healthy }',
        "    depends_on: { web: healthy }\n    volumes: ['data:/data']",
      );
    expect(text).toContain("volumes: ['data:/data']");
    await writeFile(file, text);
    expected = {
      services: ['migrate', 'web', 'worker'],
      oneShot: ['migrate'],
      networks: [`${mini.project}_net`],
      volumes: [`${mini.project}_data`],
    };
  });
  afterAll(async () => {
    console.error(
      `interrupted up (point → interrupted run; converging run):\n${figures.join('\n')}`,
    );
    await (mini as Mini | undefined)?.destroy();
  });

  for (const [i, point] of POINTS.entries()) {
    const where = point.at instanceof RegExp ? point.at.source : `${point.at.ms} ms`;
    it(`#${i + 1} ${point.phase}: ${point.signal} at "${where}" — the next up converges`, async () => {
      const home = mini.env.NOTESCTL_HOME ?? '';
      if (point.phase === 'fresh') {
        const down = await mini.cli(['down', '--volumes', '--yes']);
        expect(down.code, down.stderr).toBe(0);
        await rm(join(home, 'secrets'), { recursive: true, force: true });
        if (point.rebuild) {
          const images = await mini.docker.listImages({
            filters: JSON.stringify({ label: [`io.notesctl.project=${mini.project}`] }),
          });
          for (const image of images) await mini.docker.getImage(image.Id).remove({ force: true });
        }
      }
      const env = { GREETING: `point${i + 1}` };
      const run = await interruptAt(mini.spawn(['up'], env), point);
      expect(run.fired, `the run ended before "${where}":\n${run.stderr}`).toBe(true);
      if (point.signal === 'SIGKILL') expect(run.signal).toBe('SIGKILL');
      else {
        expect(run.code, run.stderr).toBe(1);
        expect(run.stderr).toMatch(/interrupted/);
      }
      expect(
        await stateProblems(home, mini.project, { lockMayRemain: point.signal === 'SIGKILL' }),
      ).toEqual([]);

      const next = await mini.cli(['up'], { env });
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).not.toMatch(/waiting for/);
      expect(await engineProblems(mini.docker, mini.project, expected)).toEqual([]);
      expect(await stateProblems(home, mini.project, { lockMayRemain: false })).toEqual([]);
      // Serving the new configuration. Not always at once: a container started by the killed
      // run is "unchanged" for the next up, which then does not wait for it (see the report).
      const lateMs = await untilServes(`http://127.0.0.1:${mini.port}/`, `hello point${i + 1} `);
      const applied = /(\d+) change\(s\) applied/.exec(next.stderr)?.[1] ?? '0';
      figures.push(
        `  #${i + 1} ${point.phase} ${point.signal} at ${where}: ${run.signal ?? `exit ${run.code}`} after ${run.atMs.toFixed(0)} ms; next up ${next.ms} ms, ${applied} change(s)${lateMs > 0 ? `; web answered ${lateMs} ms after it returned` : ''}`,
      );
    });
  }
});
