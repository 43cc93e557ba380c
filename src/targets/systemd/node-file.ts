/**
 * `source: file` (issue 21): an official tarball the operator has (`file:`), for servers and
 * operators that reach neither nodejs.org nor the npm registry. A SHASUMS256.txt beside it (as
 * downloaded from the release folder) must list it with its sha256; without one, the file's own
 * sha256 is taken as it is and checked again on the server.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RuntimeError } from '../../errors.ts';
import { parseNodeTarballName } from '../../model/node.ts';
import { digestFile, short } from './node-cache.ts';
import { serverArch, type NodeArchive, type NodeProvider } from './node-dist.ts';
import { parseShasums } from './node-index.ts';

/** The file source of `path` (absolute); `host` names the key in messages. */
export function fileSource(path: string, host: string): NodeProvider {
  const key = `hosts.${host}.node.file`;
  const name = basename(path);
  const parsed = parseNodeTarballName(name);
  if (!parsed) throw new Error(`bug: ${key} ${name} passed the rules`);
  const sumsFile = join(dirname(path), 'SHASUMS256.txt');
  const digestOf = async (): Promise<string> => {
    const got = await digestFile(path, 'sha256');
    if (got === '') throw new RuntimeError(`cannot read ${path} (${key})`);
    return got;
  };
  return {
    newest() {
      return Promise.resolve(parsed.version);
    },
    async archive(version, platform) {
      if (version !== parsed.version) throw new Error(`bug: ${name} asked for ${version}`);
      const arch = serverArch(platform, host);
      if (arch !== parsed.arch)
        throw new RuntimeError(`${key} is a linux-${parsed.arch} build, but ${host} is ${arch}`, {
          hint: `Give node-v${version}-linux-${arch}.tar.xz from https://nodejs.org/dist/v${version}/.`,
        });
      if (parsed.compression === 'xz' && !platform.xz)
        throw new RuntimeError(`${host} has no xz to unpack ${name} (${key})`, {
          hint: `Give the .tar.gz of the same release, or install xz-utils on ${host}.`,
        });
      const got = await digestOf();
      const sums = await readFile(sumsFile, 'utf8').catch(() => undefined);
      const listed = sums === undefined ? undefined : parseShasums(sums).get(name);
      if (sums !== undefined && listed === undefined)
        throw new RuntimeError(`${sumsFile} does not list ${name} (${key})`, {
          hint: `Put the SHASUMS256.txt of Node ${version} beside it, or remove it.`,
        });
      if (listed !== undefined && listed !== got)
        throw new RuntimeError(
          `${path}: sha256 ${short(got)} does not match ${short(listed)} in ${sumsFile} — refused, nothing was sent to the server`,
          { hint: `Download ${name} again from https://nodejs.org/dist/v${version}/.` },
        );
      return {
        version,
        name,
        member: `${name.replace(/\.tar\.\w+$/, '')}/bin/node`,
        compression: parsed.compression,
        algorithm: 'sha256',
        digest: got,
        origin: listed === undefined ? path : `${path} (listed in SHASUMS256.txt beside it)`,
      };
    },
    async fetch(archive: NodeArchive) {
      const got = await digestOf();
      if (got !== archive.digest)
        throw new RuntimeError(
          `${path} changed since the plan (sha256 ${short(got)}, was ${short(archive.digest)}) — refused, nothing was sent to the server`,
          { hint: 'Run notesctl up again.' },
        );
      return path;
    },
  };
}
