/** `${VAR}` interpolation: every form, nesting, literal `$$`, and the errors. */
import { describe, expect, it } from 'vitest';
import { interpolate } from '../../../src/config/interpolate.ts';
import { parseTopologyText } from '../../../src/config/index.ts';
import { FIXTURE_FILE, problemsOf, yaml } from './helpers.ts';

const HINT = '.env next to notesctl.config.yaml';
const run = (text: string, env: Record<string, string | undefined>) => interpolate(text, env, HINT);

describe('interpolate', () => {
  it.each([
    ['${A}', { A: 'x' }, 'x'],
    ['$A/$B', { A: 'x', B: 'y' }, 'x/y'],
    ['${A:-d}', {}, 'd'],
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['${A-d}', {}, 'd'],
    ['${A:+alt}', { A: 'x' }, 'alt'],
    ['${A:+alt}', { A: '' }, ''],
    ['${A+alt}', { A: '' }, 'alt'],
    ['${A:?msg}', { A: 'x' }, 'x'],
    ['${A?msg}', { A: '' }, ''],
    ['${A:-${B:-deep}}', {}, 'deep'],
    ['${A:-${B}}', { B: 'b' }, 'b'],
    ['cost $$5 and $${A}', { A: 'x' }, 'cost $5 and ${A}'],
    ['no dollars', {}, 'no dollars'],
    ['http://${HOST:-localhost}:${PORT:-3000}/', { PORT: '8080' }, 'http://localhost:8080/'],
  ])('%s with %j → %s', (text, env, value) => {
    expect(run(text, env)).toEqual({ value });
  });

  it.each([
    [
      '${A}',
      {},
      'variable A is not set — export A=… or add it to .env next to notesctl.config.yaml, or give a default: ${A:-value}',
    ],
    [
      '$A',
      {},
      'variable A is not set — export A=… or add it to .env next to notesctl.config.yaml, or give a default: ${A:-value}',
    ],
    [
      '${A:?pick a port}',
      { A: '' },
      'variable A is required: pick a port — export A=… or add it to .env next to notesctl.config.yaml',
    ],
    [
      '${A?}',
      {},
      'variable A is required: it is not set — export A=… or add it to .env next to notesctl.config.yaml',
    ],
    [
      '${A:-${B}}',
      {},
      'variable B is not set — export B=… or add it to .env next to notesctl.config.yaml, or give a default: ${B:-value}',
    ],
    ['${A', {}, 'unterminated "${" — use "$$" for a literal "$"'],
    [
      '${A B}',
      {},
      'invalid interpolation "${A B}": expected ${NAME}, ${NAME:-default} or ${NAME:?message}',
    ],
    [
      '${}',
      {},
      'invalid interpolation "${}": expected ${NAME}, ${NAME:-default} or ${NAME:?message}',
    ],
    ['5$', {}, '"$" must start a variable ("${NAME}") — use "$$" for a literal "$"'],
  ])('%s with %j fails', (text, env, error) => {
    expect(run(text, env)).toEqual({ error });
  });
});

describe('interpolation in a topology', () => {
  const text = yaml(
    'project: ${PROJECT:-t}',
    'services:',
    '  ${NOT_A_KEY_VAR}:',
    '    image: nginx:${TAG}',
    '    command: ["echo", "$$HOME", "${GREETING:-hi}"]',
    '    ports: ["${PORT:-8080}:80"]',
  );

  it('applies to every string value but never to keys', () => {
    const env = { TAG: '1.27' };
    expect(problemsOf(text, env)).toEqual([
      '3:3 services["${NOT_A_KEY_VAR}"]: invalid service name "${NOT_A_KEY_VAR}": use letters, digits, "_", "." and "-", starting with a letter or digit, at most 63',
    ]);
  });

  it('yields the interpolated values', () => {
    const fixed = text.replace('${NOT_A_KEY_VAR}', 'web');
    const topology = parseTopologyText(fixed, FIXTURE_FILE, { TAG: '1.27', PORT: '9000' });
    const web = topology.services.web;
    expect(topology.project).toBe('t');
    expect(web?.image).toEqual({ kind: 'image', ref: 'nginx:1.27' });
    expect(web?.command).toEqual(['echo', '$HOME', 'hi']);
    expect(web?.ports[0]?.hostPort).toBe(9000);
  });

  it('does not interpolate numbers and booleans (they stay as written)', () => {
    const topology = parseTopologyText(
      yaml('project: t', 'services:', '  a: { image: nginx:1, env: { N: 3000, B: true, F: 1.5 } }'),
      FIXTURE_FILE,
      {},
    );
    expect(topology.services.a?.env).toEqual({ B: 'true', F: '1.5', N: '3000' });
  });
});
