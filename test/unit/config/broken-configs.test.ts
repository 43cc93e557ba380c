/**
 * Broken topologies and the exact problem lines users see (`line:col path: message`, the file
 * prefix stripped). Several cases have more than one problem: all are reported together.
 */
import { describe, expect, it } from 'vitest';
import { BROKEN_CASES } from '../../fixtures/config/broken-cases.ts';
import { problemsOf } from './helpers.ts';

const CASES = BROKEN_CASES;

describe('broken topologies', () => {
  it('has at least 40 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES)('$name', ({ text, problems, env, overrideHost }) => {
    expect(problemsOf(text, env, { overrideHost })).toEqual(problems);
  });
});
