import { describe, expect, it } from 'vitest';
import {
  byteOrder,
  formatDelta,
  formatManifest,
  installedMode,
  parseManifest,
  planDelta,
  unlistable,
  type Manifest,
} from '../../../../src/targets/systemd/manifest.ts';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

const base: Manifest = [
  { type: 'd', path: 'dist', mode: '755' },
  { type: 'f', path: 'dist/app.js', mode: '644', size: 10, sha256: A },
  { type: 'f', path: 'dist/cli.js', mode: '755', size: 20, sha256: B },
  { type: 'l', path: 'node_modules/.bin/x', target: '../x/cli.js' },
  { type: 'f', path: 'old.txt', mode: '644', size: 3, sha256: C },
];

describe('a release manifest', () => {
  it('reads back what it writes: files, folders and symlinks, one tab-separated line each', () => {
    const text = formatManifest(base);
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# notesctl-files 1',
      'd\t755\t-\t-\tdist',
      `f\t644\t10\t${A}\tdist/app.js`,
    ]);
    expect(text).toContain('l\t-\t-\t../x/cli.js\tnode_modules/.bin/x\n');
    expect(parseManifest(text)).toEqual(base);
    expect(parseManifest(formatManifest([]))).toEqual([]);
  });

  it('is unknown (undefined) when its version or any line is not what it writes', () => {
    const text = formatManifest(base);
    expect(parseManifest(text.replace('notesctl-files 1', 'notesctl-files 2'))).toBeUndefined();
    expect(parseManifest(text.replace(A, 'xyz'))).toBeUndefined();
    expect(parseManifest(`${text}f\t644\t1\n`)).toBeUndefined();
    expect(parseManifest('')).toBeUndefined();
  });

  it('sorts paths by their bytes, as LC_ALL=C sort does on the server', () => {
    const paths = ['b', 'a/b', 'a-b', 'a', 'Z', 'é', 'z'].map((path) => ({ path }));
    expect(paths.sort(byteOrder).map((p) => p.path)).toEqual([
      'Z',
      'a',
      'a-b',
      'a/b',
      'b',
      'z',
      'é',
    ]);
  });

  it('records modes as installed: any execute bit 755, else 644; folders 755', () => {
    expect([0o600, 0o644, 0o444, 0o700, 0o744, 0o711].map((m) => installedMode('f', m))).toEqual([
      '644',
      '644',
      '644',
      '755',
      '755',
      '755',
    ]);
    expect(installedMode('d', 0o700)).toBe('755');
  });

  it('refuses names the line format or sha256sum cannot carry, and its own names', () => {
    expect(unlistable('a b/c-d.js')).toBeUndefined();
    expect(unlistable('a\tb')).toMatch(/tab/);
    expect(unlistable('a\nb')).toMatch(/newline/);
    expect(unlistable('a\\b')).toMatch(/backslash/);
    expect(unlistable('.notesctl-files')).toMatch(/notesctl keeps/);
  });
});

describe('the delta between two releases', () => {
  it('sends only new content; links unchanged files by path and moved content from its old path', () => {
    const next: Manifest = [
      { type: 'd', path: 'dist', mode: '755' },
      { type: 'f', path: 'dist/app.js', mode: '644', size: 11, sha256: C }, // changed: C is old.txt's
      { type: 'f', path: 'dist/cli.js', mode: '755', size: 20, sha256: B }, // unchanged
      { type: 'f', path: 'dist/copy.js', mode: '644', size: 10, sha256: A }, // app.js's old content
      { type: 'f', path: 'dist/new.js', mode: '644', size: 5, sha256: 'd'.repeat(64) },
      { type: 'l', path: 'node_modules/.bin/x', target: '../x/cli.js' },
    ];
    const delta = planDelta(next, base);
    expect(delta.send.map((e) => e.path)).toEqual(['dist/new.js']);
    expect(delta.same).toEqual(['dist/cli.js']);
    expect(delta.moved).toEqual([
      ['old.txt', 'dist/app.js'],
      ['dist/app.js', 'dist/copy.js'],
    ]);
    const digest = 'e'.repeat(64);
    expect(formatDelta({ id: 'abc', manifest: base }, next, delta, digest).split('\n')).toEqual([
      'base\tabc',
      `manifest\t${digest}`,
      'moved\told.txt\tdist/app.js',
      'moved\tdist/app.js\tdist/copy.js',
      '-\tdist/app.js',
      '-\told.txt',
      `+\tf\t644\t11\t${C}\tdist/app.js`,
      `+\tf\t644\t10\t${A}\tdist/copy.js`,
      `+\tf\t644\t5\t${'d'.repeat(64)}\tdist/new.js`,
      '',
    ]);
  });

  it('sends a file whose content the base has only with another mode (a link would share it)', () => {
    const next: Manifest = [{ type: 'f', path: 'dist/cli.js', mode: '644', size: 20, sha256: B }];
    expect(planDelta(next, base).send.map((e) => e.path)).toEqual(['dist/cli.js']);
  });

  it('sends every file without a base, and nothing for folders and symlinks', () => {
    const delta = planDelta(base, undefined);
    expect(delta.send.map((e) => e.path)).toEqual(['dist/app.js', 'dist/cli.js', 'old.txt']);
    expect(delta.same).toEqual([]);
    expect(delta.moved).toEqual([]);
  });
});
