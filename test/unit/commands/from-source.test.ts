/**
 * Every command that reaches a host, run from src/ the way the integration tests run it (Node
 * strips the types: syntax it cannot strip, such as constructor parameter properties, fails only
 * here), against an engine socket that does not exist. Each must get as far as the engine and
 * fail there with the engine's error for `local`, exit 1 — not an internal error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
let home: string;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'notesctl-from-source-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('commands run from source reach the engine', () => {
  it.each([
    ['ps'],
    ['plan'],
    ['logs', 'notes'],
    ['exec', 'notes', '--', 'true'],
    ['build', 'notes'],
    ['users', 'list'],
    ['down'],
    ['up', '--no-wait'],
  ])('notesctl %s', async (...args) => {
    const result = await runCli(['-f', join(ROOT, 'notesctl.config.yaml'), ...args], {
      env: { NOTESCTL_HOME: home, DOCKER_HOST: `unix://${join(home, 'no-engine.sock')}` },
      timeoutMs: 30_000,
    });
    expect(result.stderr).not.toContain('internal error');
    expect(result.stderr).toMatch(/local: .*ENOENT|local: .*no-engine\.sock|local: .*connect/);
    expect(result.code).toBe(1);
  });
});
