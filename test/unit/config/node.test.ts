/**
 * `hosts.NAME.node` (issue 21): where a plain server's Node.js comes from. The default is
 * nodejs.org; npm and an operator's file are the alternatives; every misuse names the key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseTopologyText } from '../../../src/config/index.ts';
import { buildJsonSchema } from '../../../src/config/json-schema.ts';
import { FIXTURE_FILE, problemsOf, yaml } from './helpers.ts';

/** A topology whose host web1 has `runtime` and a `node:` made of `nodeLines`. */
function withNode(runtime: string, ...nodeLines: string[]): string {
  return yaml(
    'project: t',
    'hosts:',
    '  web1:',
    '    ssh: root@203.0.113.10',
    `    runtime: ${runtime}`,
    ...(nodeLines.length ? ['    node:', ...nodeLines.map((l) => `      ${l}`)] : []),
    'services:',
    '  a: { build: apps/web, host: web1 }',
  );
}

function nodeOf(text: string) {
  return parseTopologyText(text, FIXTURE_FILE, {}, { home: '/home/tester' }).hosts.web1?.node;
}

const tarballs = mkdtempSync(join(tmpdir(), 'notesctl-node-config-'));
const tarball = join(tarballs, 'node-v24.11.1-linux-x64.tar.xz');
writeFileSync(tarball, 'stand-in');
const oddName = join(tarballs, 'node.tar.xz');
writeFileSync(oddName, 'stand-in');

describe('hosts.NAME.node', () => {
  it('defaults to nodejs.org and the apps’ major on a plain server; nothing on Docker', () => {
    expect(nodeOf(withNode('systemd'))).toEqual({
      source: { kind: 'nodejs.org', mirror: 'https://nodejs.org/dist' },
      version: undefined,
    });
    expect(nodeOf(withNode('docker'))).toBeUndefined();
  });

  it('takes a mirror (trailing slash dropped) and a major or an exact version', () => {
    expect(nodeOf(withNode('pm2', 'mirror: https://mirror.example/node/', 'version: 24'))).toEqual({
      source: { kind: 'nodejs.org', mirror: 'https://mirror.example/node' },
      version: '24',
    });
    expect(nodeOf(withNode('systemd', 'source: npm', 'version: "24.11.1"'))).toEqual({
      source: { kind: 'npm' },
      version: '24.11.1',
    });
  });

  it('takes an official tarball for source: file', () => {
    expect(nodeOf(withNode('systemd', 'source: file', `file: ${tarball}`))).toEqual({
      source: { kind: 'file', path: tarball },
      version: undefined,
    });
  });

  it('is refused on a Docker host, naming the key', () => {
    expect(problemsOf(withNode('docker', 'source: npm'))).toEqual([
      '6:5 hosts.web1.node: Node.js is installed by notesctl on runtime: systemd or pm2 only (this host runs docker, whose services bring their Node in their images) — remove node:',
    ]);
  });

  it('is accepted on a host declared without runtime: that was provisioned as a plain server', () => {
    const text = withNode('systemd', 'source: npm').replace('    runtime: systemd\n', '');
    const recorded = { knownHosts: ['web1'], hostRuntimes: { web1: 'pm2' as const } };
    expect(problemsOf(text, {}, recorded)).toEqual([]);
    const topology = parseTopologyText(text, FIXTURE_FILE, {}, { home: '/h', ...recorded });
    expect(topology.hosts.web1?.node).toEqual({ source: { kind: 'npm' }, version: undefined });
  });

  it('names a misspelt source and a version that is neither a major nor exact', () => {
    expect(problemsOf(withNode('systemd', 'source: nodejs', 'version: 24.1'))).toEqual([
      '7:15 hosts.web1.node.source: expected "nodejs.org" or "npm" or "file", got "nodejs" — did you mean "nodejs.org"?',
      '8:16 hosts.web1.node.version: expected a major like 24 or an exact version like "24.11.1", got 24.1',
    ]);
  });

  it('refuses mirror and file with another source', () => {
    expect(
      problemsOf(
        withNode('systemd', 'source: npm', 'mirror: https://m.example', `file: ${tarball}`),
      ),
    ).toEqual([
      '8:7 hosts.web1.node.mirror: mirror applies to source: nodejs.org only (source is npm) — remove mirror:',
      '9:7 hosts.web1.node.file: file applies to source: file only (source is npm) — add source: file, or remove file:',
    ]);
  });

  it('wants an https mirror unless it is on this machine', () => {
    expect(problemsOf(withNode('systemd', 'mirror: http://127.0.0.1:8080/dist'))).toEqual([]);
    expect(problemsOf(withNode('systemd', 'mirror: http://mirror.example/dist'))).toEqual([
      expect.stringMatching(
        /^7:15 hosts\.web1\.node\.mirror: expected an https:\/\/ URL, got "http:\/\/mirror\.example\/dist" — SHASUMS256\.txt comes from the mirror too/,
      ),
    ]);
    expect(problemsOf(withNode('systemd', 'mirror: nodejs.org/dist'))).toEqual([
      '7:15 hosts.web1.node.mirror: expected a URL like "https://nodejs.org/dist", got "nodejs.org/dist"',
    ]);
  });

  it('wants file: with source: file, an existing official tarball, and no other version', () => {
    expect(problemsOf(withNode('systemd', 'source: file'))).toEqual([
      '7:15 hosts.web1.node.source: source: file needs file: PATH — an official node-vX.Y.Z-linux-x64.tar.xz (or .tar.gz) from nodejs.org/dist on this machine',
    ]);
    expect(problemsOf(withNode('systemd', 'source: file', 'file: /nowhere/node.tar.xz'))).toEqual([
      '8:13 hosts.web1.node.file: Node tarball "/nowhere/node.tar.xz" not found (looked for /nowhere/node.tar.xz)',
    ]);
    expect(problemsOf(withNode('systemd', 'source: file', `file: ${oddName}`))).toEqual([
      expect.stringContaining(
        'hosts.web1.node.file: expected an official tarball named like node-v24.11.1-linux-x64.tar.xz (or .tar.gz), got "node.tar.xz"',
      ),
    ]);
    expect(
      problemsOf(withNode('systemd', 'source: file', `file: ${tarball}`, 'version: 22')),
    ).toEqual([
      "9:16 hosts.web1.node.version: version 22 is not the file's 24.11.1 (node-v24.11.1-linux-x64.tar.xz) — the file decides the version: remove version: or give another file",
    ]);
    expect(
      problemsOf(withNode('systemd', 'source: file', `file: ${tarball}`, 'version: 24')),
    ).toEqual([]);
  });

  it('is in the JSON Schema with its sources', () => {
    const schema = JSON.stringify(buildJsonSchema());
    expect(schema).toContain('"enum":["nodejs.org","npm","file"]');
  });
});
