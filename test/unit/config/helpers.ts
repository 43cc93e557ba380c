/** Shared helpers for the topology config tests. */
import { ConfigError, formatProblem } from '../../../src/errors.ts';
import { type ParseTopologyOptions, parseTopologyText } from '../../../src/config/index.ts';
import type { Env } from '../../../src/config/interpolate.ts';

/** A topology "file" inside the fixture folder, so build contexts and secret files resolve. */
export const FIXTURE_FILE = 'test/fixtures/config/ctx/notesctl.config.yaml';

/** Join lines into YAML text (keeps line numbers in tests easy to read). */
export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** The formatted problems of `text`, without the `file:` prefix; [] when it loads. */
export function problemsOf(
  text: string,
  env: Env = {},
  options: ParseTopologyOptions = {},
): string[] {
  try {
    parseTopologyText(text, FIXTURE_FILE, env, { home: '/home/tester', ...options });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => {
      const line = formatProblem(p);
      return line.startsWith(`${FIXTURE_FILE}:`) ? line.slice(FIXTURE_FILE.length + 1) : line;
    });
  }
}
