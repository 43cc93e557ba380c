/**
 * The Node.js a plain server runs (issue 21). The version comes from `hosts.NAME.node.version`
 * (a major or an exact version), else the file of `source: file`, else the major of the apps'
 * `engines.node`, else the operator's major. For a major, what the server already has of it is
 * kept; a new install takes the newest release of that major from the source:
 * - `nodejs.org` (the default; node-official.ts): the official tarball from nodejs.org/dist or a
 *   mirror, checked against the release's SHASUMS256.txt;
 * - `npm` (node-npm.ts): the registry's `node-linux-ARCH` package (the official binary), checked
 *   against the registry's integrity;
 * - `file` (node-file.ts): an official tarball on the operator's machine, checked against a
 *   SHASUMS256.txt beside it when there is one.
 * The archive is verified on the operator's machine before it is sent, and again on the server
 * (installNodeScript) before it is unpacked into /opt/notesctl/node/VERSION.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../errors.ts';
import type { NodeSettings } from '../../model/node.ts';
import { fileSource } from './node-file.ts';
import { compareVersions, nodeArch } from './node-index.ts';
import { npmSource } from './node-npm.ts';
import { officialSource } from './node-official.ts';

/** What the server reports about itself that decides which archive it gets. */
export interface ServerPlatform {
  /** `uname -m`. */
  machine: string;
  /** Whether `xz` is there to unpack a .tar.xz. */
  xz: boolean;
}

/** The archive the server's install step checks and unpacks. */
export interface NodeArchive {
  version: string;
  /** Its file name (in the cache, and in the release folder for official tarballs). */
  name: string;
  /** Where its `bin/node` is: `package/bin/node` (npm) or `node-vX.Y.Z-linux-ARCH/bin/node`. */
  member: string;
  compression: 'gz' | 'xz';
  algorithm: 'sha256' | 'sha512';
  /** Hex digest the archive must have, here and on the server. */
  digest: string;
  /** Where it comes from, for the plan and messages. */
  origin: string;
}

/** A source of Node archives. */
export interface NodeProvider {
  /** The newest release of `major` the source has for `arch`. */
  newest(major: number, arch: string): Promise<string>;
  /** The archive of `version` for the server, with its trusted digest (small reads only). */
  archive(version: string, platform: ServerPlatform): Promise<NodeArchive>;
  /** The archive on this machine, verified against `archive.digest`: its path. */
  fetch(archive: NodeArchive): Promise<string>;
}

/** The provider of `settings.source`; `host` names the key in messages. */
export function nodeProvider(settings: NodeSettings, host: string): NodeProvider {
  const { source } = settings;
  if (source.kind === 'npm') return npmSource(host);
  if (source.kind === 'file') return fileSource(source.path, host);
  return officialSource(source.mirror, host);
}

/** The Node architecture of the server, or an error naming it. */
export function serverArch(platform: ServerPlatform, host: string): string {
  const arch = nodeArch(platform.machine);
  if (arch === undefined)
    throw new RuntimeError(
      `${host} is a ${platform.machine} machine, for which Node.js publishes no Linux build`,
    );
  return arch;
}

/** The major version `engines.node` asks for (`>=24`, `^24.1`, `24.x`, `24`), if any. */
export function engineMajor(range: string | undefined): number | undefined {
  const match = /(\d+)/.exec(range ?? '');
  return match ? Number(match[1]) : undefined;
}

/** The Node major the apps need: the highest of their engines' majors, else the operator's. */
export async function appsMajor(folders: string[]): Promise<number> {
  let major: number | undefined;
  for (const folder of folders) {
    try {
      const pkg = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as {
        engines?: { node?: string };
      };
      const wanted = engineMajor(pkg.engines?.node);
      if (wanted !== undefined) major = Math.max(major ?? 0, wanted);
    } catch {
      // No package.json: the operator's major applies.
    }
  }
  return major ?? Number(process.versions.node.split('.')[0]);
}

/** The version asked for: the topology's, the file's, else the apps' major (as `24`). */
export async function wantedNode(settings: NodeSettings, folders: string[]): Promise<string> {
  if (settings.version !== undefined) return settings.version;
  if (settings.source.kind === 'file') {
    const match = /^node-v(\d+\.\d+\.\d+)-/.exec(settings.source.path.split('/').at(-1) ?? '');
    if (match?.[1]) return match[1];
  }
  return String(await appsMajor(folders));
}

/** The major of a wanted version (`24` or `24.11.1` → 24). */
export function majorOf(wanted: string): number {
  return Number(wanted.split('.')[0]);
}

/**
 * The version to install for `wanted`: an exact version as it is; for a major, the newest the
 * server has of it (once installed, a version stays until the major changes), else `newest()`.
 */
export async function chooseNodeVersion(
  wanted: string,
  installed: string[],
  newest: (major: number) => Promise<string>,
): Promise<string> {
  if (wanted.includes('.')) return wanted;
  const have = installed.filter((v) => v.startsWith(`${wanted}.`)).sort(compareVersions);
  return have.at(-1) ?? (await newest(majorOf(wanted)));
}
