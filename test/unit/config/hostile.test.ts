/**
 * Hostile topology files are refused quickly, with a located message, before they can cost
 * unbounded time or memory. Each case reports its time (stderr) and must finish in under 5 s
 * (most take milliseconds; the generous bound keeps a loaded CI machine green while still
 * catching a regression to quadratic or exponential work).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTopology } from '../../../src/config/index.ts';
import { ConfigError, formatProblem } from '../../../src/errors.ts';
import { problemsOf } from './helpers.ts';

const LIMIT_MS = 5000;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'notesctl-hostile-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Run `fn`, check it took less than LIMIT_MS, log the time, return its result. */
async function timed<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  const ms = performance.now() - start;
  console.error(`hostile input "${name}": ${ms.toFixed(1)} ms`);
  expect(ms).toBeLessThan(LIMIT_MS);
  return result;
}

/** The problem lines loadTopology reports for a file with these bytes. */
async function loadProblems(name: string, bytes: Uint8Array | string): Promise<string[]> {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  try {
    await loadTopology(file, { env: {} });
  } catch (error) {
    if (error instanceof ConfigError)
      return error.problems.map((p) => formatProblem(p).replace(`${dir}/`, ''));
    throw error;
  }
  return [];
}

describe('hostile topology files', () => {
  it('billion laughs: alias expansion stops at 10 000 nodes', async () => {
    const levels = ['lol0: &l0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 9; i++) {
      levels.push(
        `lol${i}: &l${i} [${Array(9)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    }
    const text = `project: t\nx-bomb:\n${levels.map((l) => `  ${l}`).join('\n')}\nservices: { a: { image: nginx:1, command: *l9 } }\n`;
    const problems = await timed('billion laughs', () => problemsOf(text));
    expect(problems).toEqual([
      '5:6 x-bomb.lol3[0][0][0]: aliases expand to more than 10000 values — refusing (an alias bomb?)',
    ]);
  });

  it('a 5 MB file is refused before it is read', async () => {
    const big = `project: t\n# ${'x'.repeat(5 * 1024 * 1024)}\n`;
    const problems = await timed('5 MB file', () => loadProblems('big.yaml', big));
    expect(problems).toEqual([
      `${dir}/big.yaml (file): file is 5.0 MiB; the limit is 1 MiB — is this the right file?`,
    ]);
  });

  it('1000-deep flow nesting is caught by the lexer pass', async () => {
    const text = `project: t\nservices: ${'['.repeat(1000)}${']'.repeat(1000)}\n`;
    const problems = await timed('1000-deep flow nesting', () => problemsOf(text));
    expect(problems).toEqual([
      '2:75 (file): nesting deeper than 64 levels — a topology needs only a few',
    ]);
  });

  it('1 MiB of "[" is caught just as fast', async () => {
    const text = `project: t\nservices: ${'['.repeat(1024 * 1024 - 30)}\n`;
    const problems = await timed('1 MiB of [', () => problemsOf(text));
    expect(problems).toEqual([
      '2:75 (file): nesting deeper than 64 levels — a topology needs only a few',
    ]);
  });

  it('1000-deep block nesting stops at depth 64', async () => {
    let text = 'project: t\nservices:\n';
    for (let i = 1; i <= 1000; i++) text += `${' '.repeat(i)}k${i}:\n`;
    const problems = await timed('1000-deep block nesting', () => problemsOf(text));
    expect(problems).toEqual([
      `66:65 services.k1.k2.k3.k4.k5.k6.k7.k8.k9.k10.k11.k12.k13.k14.k15.k16.k17.k18.k19.k20.k21.k22.k23.k24.k25.k26.k27.k28.k29.k30.k31.k32.k33.k34.k35.k36.k37.k38.k39.k40.k41.k42.k43.k44.k45.k46.k47.k48.k49.k50.k51.k52.k53.k54.k55.k56.k57.k58.k59.k60.k61.k62.k63.k64: nesting deeper than 64 levels — a topology needs only a few`,
    ]);
  });

  it('invalid UTF-8 is located by line and column', async () => {
    const bytes = Buffer.concat([
      Buffer.from('project: t\nservices:\n  a: { image: "ng'),
      Buffer.from([0xe9]), // Latin-1 "é"
      Buffer.from('inx" }\n'),
    ]);
    const problems = await timed('invalid UTF-8', () => loadProblems('latin1.yaml', bytes));
    expect(problems).toEqual([
      'latin1.yaml:3:19 (file): invalid UTF-8: byte 0xe9 at offset 39 — save the file as UTF-8',
    ]);
  });

  it('a self-referencing alias is refused', async () => {
    const problems = await timed('recursive alias', () =>
      problemsOf('project: t\nservices: &s { a: { image: nginx:1 }, b: *s }\n'),
    );
    expect(problems.length).toBeGreaterThan(0);
  });

  it('20 000 invalid services in 1 MiB report 100 problems and a count', async () => {
    let text = 'project: t\nservices:\n';
    for (let i = 0; i < 20_000; i++) text += `  s${i}: 1\n`;
    const problems = await timed('20 000 invalid services', () => problemsOf(text));
    expect(problems).toHaveLength(101);
    expect(problems[0]).toBe('3:7 services.s0: expected a mapping, got 1');
    expect(problems[100]).toBe('102:7 (file): 19900 more problems not shown — fix these first');
  });
});
