/** The annotated example in docs/topology.md is a valid topology (docs and validator agree). */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parseTopologyText } from '../../../src/config/index.ts';

const DOC = join(import.meta.dirname, '..', '..', '..', 'docs', 'topology.md');
const dir = mkdtempSync(join(tmpdir(), 'notesctl-docs-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('the first YAML example of docs/topology.md loads', () => {
  const example = /```yaml\n(project:[\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))?.[1];
  expect(example).toBeDefined();
  // The files the example refers to: a build context and a secret file.
  mkdirSync(join(dir, 'apps', 'notes'), { recursive: true });
  writeFileSync(join(dir, 'apps', 'notes', 'Dockerfile'), 'FROM node:24\n');
  mkdirSync(join(dir, 'certs'));
  writeFileSync(join(dir, 'certs', 'key.pem'), 'fixture\n');
  const topology = parseTopologyText(example ?? '', join(dir, 'notesctl.config.yaml'), {});
  expect(Object.keys(topology.services)).toEqual(['db-notes', 'notes']);
  expect(topology.hosts.web1?.port).toBe(22);
  expect(topology.hosts.web1?.runtime).toBe('docker');
});
