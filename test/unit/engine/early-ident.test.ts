// The SSH identification line sent the moment TCP connects (src/engine/ssh/early-ident.ts): the
// server reads it before ssh2 has even started, ssh2's own identical line is dropped so the
// server sees exactly one, and whatever ssh2 writes after it goes through untouched. Over a real
// loopback TCP connection.
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { identifyEarly, SOFTWARE } from '../../../src/engine/ssh/early-ident.ts';

const servers: ReturnType<typeof createServer>[] = [];

/** A loopback server collecting what its one client sends until the client ends. */
async function listen(): Promise<{
  port: number;
  received: Promise<Buffer>;
  first: Promise<Buffer>;
}> {
  let gotFirst: (chunk: Buffer) => void = () => undefined;
  const first = new Promise<Buffer>((resolve) => (gotFirst = resolve));
  let gotAll: (all: Buffer) => void = () => undefined;
  const received = new Promise<Buffer>((resolve) => (gotAll = resolve));
  const server = createServer((peer: Socket) => {
    const chunks: Buffer[] = [];
    peer.on('data', (chunk: Buffer) => {
      if (chunks.length === 0) gotFirst(chunk);
      chunks.push(chunk);
    });
    peer.on('end', () => {
      gotAll(Buffer.concat(chunks));
      peer.end();
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, received, first };
}

afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

describe('identifyEarly', () => {
  it('sends the line at once and drops the identical one ssh2 writes first', async () => {
    const { port, received, first } = await listen();
    const sock = connect({ host: '127.0.0.1', port });
    const ident = identifyEarly(sock);
    expect(ident).toBe(SOFTWARE);
    // The server has the line before anything else happened on this side (ssh2 not started).
    expect((await first).toString('latin1')).toBe(`SSH-2.0-${SOFTWARE}\r\n`);
    let written = false;
    // What ssh2 writes when it starts: its identification line (same ident), then packets.
    sock.write(Buffer.from(`SSH-2.0-${ident}\r\n`, 'latin1'), () => (written = true));
    sock.write(Buffer.from('packet-1'));
    sock.write(Buffer.from('packet-2'));
    sock.end();
    expect((await received).toString('latin1')).toBe(`SSH-2.0-${SOFTWARE}\r\npacket-1packet-2`);
    expect(written).toBe(true);
  });

  it('passes a different first write through and looks at nothing after it', async () => {
    const { port, received } = await listen();
    const sock = connect({ host: '127.0.0.1', port });
    identifyEarly(sock);
    sock.write(Buffer.from('something else\r\n'));
    sock.write(Buffer.from(`SSH-2.0-${SOFTWARE}\r\n`, 'latin1'));
    sock.end();
    expect((await received).toString('latin1')).toBe(
      `SSH-2.0-${SOFTWARE}\r\nsomething else\r\nSSH-2.0-${SOFTWARE}\r\n`,
    );
  });
});
