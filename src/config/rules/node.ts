/**
 * Rules for `hosts.NAME.node` (issue 21): only on a plain server; `mirror` with nodejs.org and
 * `file` with file; the mirror is https (its checksums come over the same connection) unless it
 * is on this machine; the file is an official tarball that exists, whose version `version` may
 * only repeat.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseNodeTarballName, versionMatches } from '../../model/node.ts';
import { type Rule, resolvePath, runtimeOfHost } from './context.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Why `mirror` is not usable, or undefined. */
export function mirrorProblem(mirror: string): string | undefined {
  let url: URL;
  try {
    url = new URL(mirror);
  } catch {
    return `expected a URL like "https://nodejs.org/dist", got "${mirror}"`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return undefined;
  return `expected an https:// URL, got "${mirror}" — SHASUMS256.txt comes from the mirror too, so over plain HTTP anyone on the way could replace both (http:// is accepted only for a mirror on this machine: 127.0.0.1, localhost, [::1])`;
}

/** Why the tarball at `path` (as written: `given`) is not usable, or undefined. */
function fileProblem(path: string, given: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `Node tarball "${given}" is not a file`;
  } catch {
    return `Node tarball "${given}" not found (looked for ${path})`;
  }
  if (parseNodeTarballName(basename(path)) === undefined)
    return `expected an official tarball named like node-v24.11.1-linux-x64.tar.xz (or .tar.gz), got "${basename(path)}" — download one from https://nodejs.org/dist/ and keep its name`;
  return undefined;
}

/** `node:` is a plain server's; its keys go with its source. */
export const checkNodeSettings: Rule = (context) => {
  const { raw, directory, home, problems } = context;
  for (const [name, host] of Object.entries(raw.hosts ?? {})) {
    const node = host.node;
    if (node === undefined) continue;
    const at = (key: string) => ['hosts', name, 'node', key];
    const runtime = runtimeOfHost(context, name);
    if (runtime !== 'systemd' && runtime !== 'pm2') {
      problems.report(
        ['hosts', name, 'node'],
        `Node.js is installed by notesctl on runtime: systemd or pm2 only (this host runs ${runtime}, whose services bring their Node in their images) — remove node:`,
        'key',
      );
      continue;
    }
    const source = node.source ?? 'nodejs.org';
    if (node.mirror !== undefined && source !== 'nodejs.org') {
      problems.report(
        at('mirror'),
        `mirror applies to source: nodejs.org only (source is ${source}) — remove mirror:`,
        'key',
      );
    } else if (node.mirror !== undefined) {
      const problem = mirrorProblem(node.mirror);
      if (problem !== undefined) problems.report(at('mirror'), problem);
    }
    if (node.file !== undefined && source !== 'file') {
      problems.report(
        at('file'),
        `file applies to source: file only (source is ${source}) — add source: file, or remove file:`,
        'key',
      );
      continue;
    }
    if (source !== 'file') continue;
    if (node.file === undefined) {
      problems.report(
        at('source'),
        'source: file needs file: PATH — an official node-vX.Y.Z-linux-x64.tar.xz (or .tar.gz) from nodejs.org/dist on this machine',
      );
      continue;
    }
    const path = resolvePath(directory, home, node.file);
    const problem = fileProblem(path, node.file);
    if (problem !== undefined) {
      problems.report(at('file'), problem);
      continue;
    }
    const version = parseNodeTarballName(basename(path))?.version ?? '';
    if (node.version !== undefined && !versionMatches(version, String(node.version))) {
      problems.report(
        at('version'),
        `version ${node.version} is not the file's ${version} (${basename(path)}) — the file decides the version: remove version: or give another file`,
      );
    }
  }
};
