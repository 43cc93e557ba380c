/**
 * `source: nodejs.org` (issue 21, the default): official tarballs from https://nodejs.org/dist
 * or a mirror with its layout (`mirror:`, like nvm's NODEJS_ORG_MIRROR). `index.json` gives the
 * newest release of a major, `vX.Y.Z/SHASUMS256.txt` the sha256 of each file; the tarball is
 * downloaded once into the state folder and kept only when its sha256 is the listed one.
 * SHASUMS256.txt's signature (SHASUMS256.txt.asc) is not checked: what vouches for the digest is
 * the HTTPS connection to the mirror (docs/topology.md says so).
 */
import { join } from 'node:path';
import { RuntimeError } from '../../errors.ts';
import { nodeTarballName } from '../../model/node.ts';
import { digestFile, downloadFile, fetchText, nodeCacheDir, short } from './node-cache.ts';
import { serverArch, type NodeArchive, type NodeProvider } from './node-dist.ts';
import { newestInIndex, parseIndex, parseShasums } from './node-index.ts';

/** The official source at `mirror` (no trailing slash); `host` names the key in messages. */
export function officialSource(mirror: string, host: string): NodeProvider {
  const key = `hosts.${host}.node`;
  const unreachable = (url: string, error: unknown) =>
    new RuntimeError(`cannot read ${url}: ${describe(error)}`, {
      hint: `Set ${key}.mirror to a copy of nodejs.org/dist this machine can reach, or ${key}.source to npm or file.`,
    });
  const read = (url: string) =>
    fetchText(url).catch((error: unknown) => {
      throw unreachable(url, error);
    });
  return {
    async newest(major, arch) {
      const url = `${mirror}/index.json`;
      const text = await read(url);
      let version: string | undefined;
      try {
        version = newestInIndex(parseIndex(text), major, arch);
      } catch (error) {
        throw new RuntimeError(`${url} is not Node's list of releases: ${describe(error)}`);
      }
      if (version === undefined)
        throw new RuntimeError(`${url} lists no Node.js ${major} release for linux-${arch}`, {
          hint: `Ask for a major it has in ${key}.version, or in the apps' engines.node.`,
        });
      return version;
    },
    async archive(version, platform) {
      const arch = serverArch(platform, host);
      const name = nodeTarballName({ version, arch, compression: platform.xz ? 'xz' : 'gz' });
      const url = `${mirror}/v${version}/SHASUMS256.txt`;
      const digest = parseShasums(await read(url)).get(name);
      if (digest === undefined)
        throw new RuntimeError(`${url} lists no ${name}`, {
          hint: `Node.js ${version} may have no build for linux-${arch}: ask for another version in ${key}.version.`,
        });
      return {
        version,
        name,
        member: `${name.replace(/\.tar\.\w+$/, '')}/bin/node`,
        compression: platform.xz ? 'xz' : 'gz',
        algorithm: 'sha256',
        digest,
        origin: mirror,
      };
    },
    async fetch(archive: NodeArchive) {
      const file = join(await nodeCacheDir(), archive.name);
      if ((await digestFile(file, 'sha256')) === archive.digest) return file;
      const url = `${mirror}/v${archive.version}/${archive.name}`;
      await downloadFile(url, file, (got) => {
        if (got !== archive.digest)
          throw new RuntimeError(
            `${url}: sha256 ${short(got)} does not match ${short(archive.digest)} in its SHASUMS256.txt — refused, nothing was sent to the server`,
            {
              hint: `Something altered the download (a proxy, a broken mirror): try again, or set ${key}.mirror to another mirror.`,
            },
          );
      }).catch((error: unknown) => {
        throw error instanceof RuntimeError ? error : unreachable(url, error);
      });
      return file;
    },
  };
}

/** An error's message with its cause (fetch hides the network error in `cause`). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
