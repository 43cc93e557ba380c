/**
 * Our identification line the moment the TCP connection opens, before ssh2 has loaded. A server
 * sends its KEXINIT only once it has read the client's line (OpenSSH does), and ssh2 sends that
 * line only when it starts, 50–80 ms later on this machine: the server's KEXINIT then arrives
 * a round trip after ssh2 is ready, instead of before it.
 *
 * ssh2 is given the same software name (its `ident` option), so the line it would send first is
 * byte for byte the one already sent, and is dropped; the key exchange hashes that same line.
 */
import type { Socket } from 'node:net';

/** The software name notesctl announces (RFC 4253 §4.2: printable, no spaces or hyphens). */
export const SOFTWARE = 'notesctl';

/** Send the identification line on `sock` now; returns the `ident` to give ssh2. */
export function identifyEarly(sock: Socket): string {
  const line = Buffer.from(`SSH-2.0-${SOFTWARE}\r\n`, 'latin1');
  sock.write(line);
  const write = sock.write.bind(sock) as (...args: unknown[]) => boolean;
  // Only ssh2's very first write is looked at; then the socket's own write is back in place.
  sock.write = (chunk: unknown, ...rest: unknown[]): boolean => {
    Reflect.deleteProperty(sock, 'write');
    if (Buffer.isBuffer(chunk) && chunk.equals(line)) {
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (done) process.nextTick(done);
      return true;
    }
    return write(chunk, ...rest);
  };
  return SOFTWARE;
}
