/**
 * Every broken topology, through the real CLI: exit 2, every problem printed with file, line,
 * column and key path, and not one request to the engine (a recording proxy stands in front of
 * the real Docker socket).
 */
import { rm, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN_CASES } from '../fixtures/config/broken-cases.ts';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.ts';
import { runCli } from '../support/run-cli.ts';
import { FIXTURE_FILE } from '../unit/config/helpers.ts';

let proxy: RecordingProxy;

describe('broken topologies through the CLI', () => {
  beforeAll(async () => {
    proxy = await startRecordingProxy();
  });
  afterAll(async () => {
    await (proxy as RecordingProxy | undefined)?.close();
  });

  it(`rejects all ${BROKEN_CASES.length} cases with exit 2 and zero engine calls`, async () => {
    expect(BROKEN_CASES.length).toBeGreaterThanOrEqual(30);
    // The unit table's own file name, so messages that mention it match word for word.
    const file = FIXTURE_FILE;
    try {
      for (const [i, c] of BROKEN_CASES.entries()) {
        await writeFile(file, c.text);
        for (const command of i % 2 === 0 ? ['up'] : ['plan']) {
          const result = await runCli(
            ['-f', file, ...(c.overrideHost ? ['--host', c.overrideHost] : []), command],
            {
              env: {
                HOME: '/home/tester',
                ...c.env,
                DOCKER_HOST: proxy.dockerHost,
                NOTESCTL_HOME: '/nonexistent/notesctl',
              },
            },
          );
          expect(result.code, `${c.name}: ${result.stderr}`).toBe(2);
          for (const problem of c.problems) {
            // Problems without a line were kept whole (with the unit tests' file name) by the table.
            const located = problem.startsWith(FIXTURE_FILE)
              ? problem.replace(FIXTURE_FILE, file)
              : `${file}:${problem}`;
            expect(result.stderr, c.name).toContain(located);
          }
        }
      }
    } finally {
      await rm(file, { force: true });
    }
    expect(proxy.calls).toEqual([]);
  });
});
