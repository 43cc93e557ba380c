/**
 * DigitalOcean identifies a registered SSH key by the MD5 fingerprint of its key blob, written as
 * colon-separated hex (what `ssh-keygen -l -E md5` prints after `MD5:`). Computing it locally
 * lets notesctl find a key that is already registered instead of failing on "SSH Key is already
 * in use on your account".
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.ts';

/** Key types DigitalOcean accepts. */
const KEY_TYPES = new Set([
  'ssh-rsa',
  'ssh-dss',
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
]);

/** An OpenSSH public key line, split into its parts. */
export interface OpenSshPublicKey {
  type: string;
  /** The decoded key blob. */
  blob: Buffer;
  comment: string;
}

/** Parse `TYPE BASE64 [COMMENT]` (one line of an `id_*.pub` file); a UsageError on anything else. */
export function parseOpenSshPublicKey(line: string): OpenSshPublicKey {
  const [type = '', data = '', ...comment] = line.trim().split(/\s+/);
  if (!KEY_TYPES.has(type)) {
    throw new UsageError(
      `not an OpenSSH public key: expected "TYPE BASE64 [COMMENT]" with TYPE one of ${[...KEY_TYPES].join(', ')}, got "${type.slice(0, 40)}"`,
    );
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
    throw new UsageError(`not an OpenSSH public key: the ${type} key data is not base64`);
  }
  const blob = Buffer.from(data, 'base64');
  // The blob starts with its own type as an SSH string; a mismatch means a damaged or pasted key.
  const length = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const inner = length >= 0 ? blob.subarray(4, 4 + length).toString('latin1') : '';
  if (inner !== type) {
    throw new UsageError(
      `not an OpenSSH public key: the key data says "${inner.slice(0, 40)}", the line says "${type}"`,
    );
  }
  return { type, blob, comment: comment.join(' ') };
}

/** The MD5 colon-hex fingerprint DigitalOcean shows for an OpenSSH public key line. */
export function md5Fingerprint(publicKey: string): string {
  const digest = createHash('md5').update(parseOpenSshPublicKey(publicKey).blob).digest('hex');
  return digest.match(/../g)?.join(':') ?? digest;
}
