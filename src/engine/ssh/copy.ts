/**
 * Copying one file to or from a host over an open SSH link's SFTP channel (issue 23: `hosts
 * scp`): the same connection, identities and host-key checks as every other command, no `scp`
 * binary. Streams, so a large file never sits in memory; mode 0600 for what is written there.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { SFTPWrapper } from 'ssh2';
import { RuntimeError } from '../../errors.ts';
import type { SshLink } from './connect.ts';

/** One copy: `up` from this machine to the host, `down` from the host to this machine. */
export interface CopySpec {
  direction: 'up' | 'down';
  local: string;
  remote: string;
}

function sftpOf(link: SshLink): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    link.client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp)));
  });
}

/** Copy the file; resolves to the bytes copied. */
export async function copyOverSsh(link: SshLink, spec: CopySpec): Promise<number> {
  const sftp = await sftpOf(link);
  let bytes = 0;
  const count = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  try {
    const [from, to]: [Readable, Writable] =
      spec.direction === 'up'
        ? [createReadStream(spec.local), sftp.createWriteStream(spec.remote, { mode: 0o600 })]
        : [sftp.createReadStream(spec.remote), createWriteStream(spec.local, { mode: 0o600 })];
    await pipeline(from, count, to);
    return bytes;
  } catch (error) {
    const where = spec.direction === 'up' ? `${link.endpoint.name}:${spec.remote}` : spec.local;
    const what = spec.direction === 'up' ? spec.local : `${link.endpoint.name}:${spec.remote}`;
    throw new RuntimeError(`copy ${what} → ${where} failed: ${(error as Error).message}`, {
      hint: 'Check both paths exist (the folder of the target too) and can be read/written.',
    });
  } finally {
    sftp.end();
  }
}
