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

/** Write a file into the test folder (outside the timed part) and return its path. */
function writeInput(name: string, bytes: Uint8Array | string): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** The problem lines loadTopology reports for a file, the test folder stripped from paths. */
async function loadProblems(file: string): Promise<string[]> {
  try {
    await loadTopology(file, { env: {} });
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems.map((p) => formatProblem(p).replace(`${dir}/`, ''));
    }
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
      '3:29 x-bomb.lol4[0][0][8][0][5]: aliases expand to more than 10000 values — refusing (an alias bomb?)',
    ]);
  });

  it('a 5 MB file is refused before it is read', async () => {
    const file = writeInput('big.yaml', `project: t\n# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    const problems = await timed('5 MB file', () => loadProblems(file));
    expect(problems).toEqual([
      `big.yaml (file): file is 5.0 MiB; the limit is 1 MiB — is this the right file?`,
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

  it('1000-deep block nesting is caught by its indentation', async () => {
    let text = 'project: t\nservices:\n';
    for (let i = 1; i <= 1000; i++) text += `${' '.repeat(i)}k${i}:\n`;
    const problems = await timed('1000-deep block nesting', () => problemsOf(text));
    expect(problems).toEqual([
      '259:258 (file): indented more than 256 columns — a topology nests only a few levels',
    ]);
  });

  it('1000-deep compact block lists (`- - - …`) are caught the same way', async () => {
    const text = `project: t\nservices:\n  ${'- '.repeat(1000)}x\n`;
    const problems = await timed('1000-deep compact lists', () => problemsOf(text));
    expect(problems).toEqual([
      '3:2003 (file): indented more than 256 columns — a topology nests only a few levels',
    ]);
  });

  it('block nesting within the indentation limit stops at depth 64', async () => {
    let text = 'project: t\nservices:\n';
    for (let i = 1; i <= 100; i++) text += `${' '.repeat(i)}k${i}:\n`;
    const problems = await timed('100-deep block nesting', () => problemsOf(text));
    const path = Array.from({ length: 64 }, (_, i) => `k${i + 1}`).join('.');
    expect(problems).toEqual([
      `67:66 services.${path}: nesting deeper than 64 levels — a topology needs only a few`,
    ]);
  });

  it('invalid UTF-8 is located by line and column', async () => {
    const bytes = Buffer.concat([
      Buffer.from('project: t\nservices:\n  a: { image: "ng'),
      Buffer.from([0xe9]), // Latin-1 "é"
      Buffer.from('inx" }\n'),
    ]);
    const file = writeInput('latin1.yaml', bytes);
    const problems = await timed('invalid UTF-8', () => loadProblems(file));
    expect(problems).toEqual([
      'latin1.yaml:3:18 (file): invalid UTF-8: byte 0xe9 at offset 38 — save the file as UTF-8',
    ]);
  });

  it('a self-referencing alias is refused', async () => {
    const problems = await timed('recursive alias', () =>
      problemsOf('project: t\nservices: &s { a: { image: nginx:1 }, b: *s }\n'),
    );
    expect(problems).toEqual([
      '2:42 services.b: alias "*s" refers to a collection that contains it',
    ]);
  });

  it('5 000 invalid services report 100 problems and a count', async () => {
    let text = 'project: t\nservices:\n';
    for (let i = 0; i < 5000; i++) text += `  s${i}: 1\n`;
    const problems = await timed('5 000 invalid services', () => problemsOf(text));
    expect(problems).toHaveLength(101);
    expect(problems[0]).toBe('3:7 services.s0: expected a mapping, got 1');
    expect(problems[100]).toBe('102:8 (file): 4900 more problems not shown — fix these first');
  });
});
