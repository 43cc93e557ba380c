/** A fresh ed25519 login key for a host notesctl creates (OpenSSH formats, as ssh-keygen writes). */
import ssh2 from 'ssh2';
import { writePrivateFile } from '../../state-dir.ts';

// ssh2 is CommonJS; Node's ESM loader sees `utils` only through the default export.
const { utils } = ssh2;

/** Generate a key pair and write it as `path` (0600) and `path.pub`; returns the public line. */
export async function writeNewKeyPair(path: string, comment: string): Promise<string> {
  const pair = utils.generateKeyPairSync('ed25519', { comment });
  await writePrivateFile(path, pair.private);
  const publicLine = `${pair.public.trim()}\n`;
  await writePrivateFile(`${path}.pub`, publicLine);
  return publicLine.trim();
}
