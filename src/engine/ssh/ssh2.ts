/**
 * ssh2, loaded on first use rather than with the module graph: connectSsh opens the TCP
 * connection first, so loading the library (~60 ms) overlaps the first round trip of the
 * handshake instead of preceding it.
 */
import { createRequire } from 'node:module';

type Ssh2 = typeof import('ssh2');
let loaded: Ssh2 | undefined;

/** The ssh2 module (CommonJS: required, so `utils` and `Client` are plain properties). */
export function ssh2(): Ssh2 {
  loaded ??= createRequire(import.meta.url)('ssh2') as Ssh2;
  return loaded;
}
