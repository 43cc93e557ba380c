/**
 * Hostile topology files through the real CLI (issue 7), beyond the 44 broken cases of
 * config-errors-cli.test.ts: huge files (one sparse 4 GiB), YAML alias bombs, deep nesting,
 * bytes that are not UTF-8, names that try path or shell injection, ports out of range. Each is
 * refused with a located message and exit 2, with not one request to the engine (a recording
 * proxy stands in front of the real socket), nothing written to the state folder, nothing run,
 * in bounded time and memory: each run is measured under /usr/bin/time and the figures printed.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMeasured, type MeasuredRun } from '../support/faults/measured-cli.ts';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.ts';

/** Generous for a loaded 2-core CI machine (Node itself starts in ~0.3 s); most take < 1 s. */
const MAX_MS = 10_000;
/** notesctl's baseline is ~115 MiB (Node + the CLI's modules); hostile input must stay near it. */
const MAX_RSS_KB = 256 * 1024;
/**
 * The largest file accepted (just under 1 MiB, 30 000 keys) peaks at 280-440 MiB while its
 * syntax tree and every problem exist: bounded by the 1 MiB limit, and reported as measured.
 */
const MAX_RSS_KB_LARGEST = 768 * 1024;

let proxy: RecordingProxy;
let dir: string;
const figures: string[] = [];

const HEAD = 'project: hostile\nservices:\n';

/** The cases: a file's content (or how to make it), and what the message must say. */
/** A file's content, or a sparse file of that many bytes. */
type Content = string | Buffer | { sparseBytes: number };

const CASES: { name: string; file: Content; expect: RegExp[]; maxRssKb?: number }[] = [
  {
    name: 'a 4 GiB (sparse) file',
    file: { sparseBytes: 4 * 1024 * 1024 * 1024 },
    expect: [/\(file\): file is 4096\.0 MiB; the limit is 1 MiB/],
  },
  {
    name: 'a 5 MiB file',
    file: `${HEAD}  a: { image: nginx:1 }\n# ${'x'.repeat(5 * 1024 * 1024)}\n`,
    expect: [/\(file\): file is 5\.0 MiB; the limit is 1 MiB/],
  },
  {
    name: 'just under 1 MiB: 30 000 unknown keys',
    maxRssKb: MAX_RSS_KB_LARGEST,
    file: `${HEAD}  a:\n    image: nginx:1\n${Array.from({ length: 30_000 }, (_, i) => `    k${i}: v\n`).join('')}`,
    expect: [/:5:5 services\.a\.k0: unknown key "k0"/, /more problems not shown/],
  },
  {
    name: 'billion laughs (9 levels of 9 aliases)',
    file: `project: hostile\nx-bomb:\n  l0: &l0 [x, x, x, x, x, x, x, x, x]\n${Array.from(
      { length: 8 },
      (_, i) => `  l${i + 1}: &l${i + 1} [${Array(9).fill(`*l${i}`).join(', ')}]\n`,
    ).join('')}services: { a: { image: nginx:1, command: *l8 } }\n`,
    expect: [/aliases expand to more than 10000 values — refusing \(an alias bomb\?\)/],
  },
  {
    name: '100 000-deep flow nesting',
    file: `${HEAD}  a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
    expect: [/:3:\d+ \(file\): nesting deeper than 64 levels/],
  },
  {
    name: '1 000-deep block nesting',
    file: `${HEAD}${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 2)}k${i}:\n`).join('')}`,
    expect: [/\(file\): indented more than 256 columns/],
  },
  {
    name: 'a Latin-1 byte',
    file: Buffer.concat([
      Buffer.from(`${HEAD}  a: { image: nginx:1, env: { NAME: "Ren`),
      Buffer.from([0xe9]),
      Buffer.from('" } }\n'),
    ]),
    expect: [/:3:\d+ \(file\): invalid UTF-8: byte 0xe9 at offset \d+ — save the file as UTF-8/],
  },
  {
    name: 'UTF-16 with a byte-order mark',
    file: Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`${HEAD}  a: { image: nginx:1 }\n`, 'utf16le'),
    ]),
    expect: [/:1:1 \(file\): invalid UTF-8: byte 0xff at offset 0/],
  },
  {
    name: 'path and shell injection in every kind of name',
    file: [
      'project: "../../etc"',
      'networks: { "../net": {}, "n;reboot": {} }',
      'volumes: { "$(touch /tmp/notesctl-pwned)": {} }',
      'secrets: { "../../root/.ssh/id": { generate: true } }',
      'services:',
      '  "a`id`": { image: nginx:1 }',
      '  b:',
      '    image: "nginx:1; touch /tmp/notesctl-pwned"',
      '    networks: ["../net"]',
      '    volumes: ["$(touch /tmp/notesctl-pwned):/data"]',
      '  c:',
      '    build: ../../../../../../../etc',
      '',
    ].join('\n'),
    expect: [
      /:1:10 project: expected a project name of lower-case letters, digits, "_" and "-", got "\.\.\/\.\.\/etc"/,
      /networks\["\.\.\/net"\]: invalid network name/,
      /networks\["n;reboot"\]: invalid network name/,
      /volumes\["\$\(touch \/tmp\/notesctl-pwned\)"\]: invalid volume name/,
      /secrets\["\.\.\/\.\.\/root\/\.ssh\/id"\]: invalid secret name/,
      /services\["a`id`"\]: invalid service name/,
      /services\.b\.image: expected an image reference like "mariadb:10\.11"/,
      /services\.b\.networks\[0\]: invalid network name "\.\.\/net"/,
      /services\.b\.volumes\[0\]: "\$" must start a variable/,
      /services\.c\.build: no Dockerfile in build context/,
    ],
  },
  {
    name: 'ports out of range',
    file: `${HEAD}  a:\n    image: nginx:1\n    ports: ["0:80", "65536:80", "8080:70000", "99999999999999999999:1", "127.0.0.1:65536:80"]\n`,
    expect: [
      /:5:13 services\.a\.ports\[0\]: host port 0 is out of range \(1-65535\)/,
      /:5:21 services\.a\.ports\[1\]: host port 65536 is out of range \(1-65535\)/,
      /:5:33 services\.a\.ports\[2\]: container port 70000 is out of range \(1-65535\)/,
      /:5:47 services\.a\.ports\[3\]: host port 99999999999999999999 is out of range/,
      /:5:73 services\.a\.ports\[4\]: host port 65536 is out of range/,
    ],
  },
  {
    name: 'ports that are not numbers, and exposed ports out of range',
    file: `${HEAD}  a:\n    image: nginx:1\n    ports: ["-1:80", "80:-1", "1e3:80", "0x50:80"]\n    expose: [0, 65536]\n`,
    expect: [
      /:5:13 services\.a\.ports\[0\]: expected "HOST:CONTAINER", got "-1:80"/,
      /services\.a\.ports\[1\]: expected "HOST:CONTAINER", got "80:-1"/,
      /services\.a\.ports\[2\]: expected "HOST:CONTAINER", got "1e3:80"/,
      /services\.a\.ports\[3\]: expected "HOST:CONTAINER", got "0x50:80"/,
      /services\.a\.expose\[0\]: expected a port number 1-65535, got 0/,
      /services\.a\.expose\[1\]: expected a port number 1-65535, got 65536/,
    ],
  },
];

async function writeCase(file: Content, path: string): Promise<void> {
  if (typeof file === 'string' || Buffer.isBuffer(file)) return writeFile(path, file);
  // A hole: costs no disk, but a tool that read the file to refuse it would show.
  const handle = await open(path, 'w');
  await handle.truncate(file.sparseBytes);
  await handle.close();
}

describe('hostile topology files through the CLI', () => {
  beforeAll(async () => {
    proxy = await startRecordingProxy();
    dir = await mkdtemp(join(tmpdir(), 'notesctl-hostile-'));
  });
  afterAll(async () => {
    console.error(`hostile topologies (exit, wall ms, max RSS):\n${figures.join('\n')}`);
    await (proxy as RecordingProxy | undefined)?.close();
    await rm(dir, { recursive: true, force: true });
    await rm('/tmp/notesctl-pwned', { force: true });
  });

  for (const c of CASES) {
    it(`refuses ${c.name}: exit 2, located message, no engine call, bounded time and memory`, async () => {
      const file = join(dir, `${c.name.replace(/\W+/g, '-')}.yaml`);
      await writeCase(c.file, file);
      const home = join(dir, `home-${figures.length}`);
      proxy.reset();
      let run: MeasuredRun | undefined;
      for (const verb of ['up', 'plan']) {
        run = await runMeasured(['-f', file, verb], {
          cwd: dir,
          env: { DOCKER_HOST: proxy.dockerHost, NOTESCTL_HOME: home },
        });
        expect(run.code, run.stderr).toBe(2);
        for (const pattern of c.expect) expect(run.stderr, c.name).toMatch(pattern);
        expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
        expect(run.ms).toBeLessThan(MAX_MS);
        expect(run.maxRssKb).toBeLessThan(c.maxRssKb ?? MAX_RSS_KB);
        figures.push(
          `  ${c.name} (${verb}): exit ${run.code}, ${run.ms.toFixed(0)} ms, ${(run.maxRssKb / 1024).toFixed(0)} MiB`,
        );
      }
      expect(proxy.calls).toEqual([]);
      expect(existsSync(home)).toBe(false);
      expect(existsSync('/tmp/notesctl-pwned')).toBe(false);
      await rm(file, { force: true });
    });
  }
});
