/** The annotated examples in docs/topology.md are valid topologies (docs and validator agree). */
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

it('the edge-proxy example of docs/topology.md loads, with the defaults it describes', () => {
  const doc = readFileSync(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## Web services behind the edge proxy'));
  const example = /```yaml\n(project:[\s\S]*?)```/.exec(section)?.[1];
  expect(example).toBeDefined();
  mkdirSync(join(dir, 'certs'), { recursive: true });
  for (const file of ['admin.pem', 'admin-key.pem'])
    writeFileSync(join(dir, 'certs', file), 'pem\n');
  const topology = parseTopologyText(example ?? '', join(dir, 'notesctl.config.yaml'), {});
  expect(topology.proxy).toEqual({
    image: 'caddy:2',
    httpPort: 80,
    httpsPort: 443,
    acme: { email: 'ops@example.com', ca: undefined, caRoot: undefined },
  });
  expect(topology.services.web?.http).toEqual({
    hosts: ['shop.example.com', 'www.shop.example.com'],
    port: 8080,
    path: '/health',
    tls: { kind: 'auto' },
    drainTimeoutMs: 30_000,
  });
  expect(topology.services.web?.replicas).toBe(1);
  expect(topology.services.admin?.http?.tls).toEqual({
    kind: 'files',
    cert: 'admin_cert',
    key: 'admin_key',
  });
});
