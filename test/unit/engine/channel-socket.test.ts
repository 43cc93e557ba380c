// An SSH channel as an HTTP socket (src/engine/ssh/channel-socket.ts): a dial-stdio channel whose
// docker CLI found no engine ends its stdout before sshd reports the exit status; the socket holds
// that end back until the exit has been heard, so the request fails with the reason (the engine
// does not answer) instead of a bare "socket hang up".
import { EventEmitter } from 'node:events';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { ClientChannel } from 'ssh2';
import { ChannelSocket } from '../../../src/engine/ssh/channel-socket.ts';

/** The parts of ssh2's ClientChannel that ChannelSocket uses. */
class FakeChannel extends EventEmitter {
  written = '';
  pause(): void {}
  resume(): void {}
  write(chunk: Buffer, callback: (error?: Error | null) => void): boolean {
    this.written += chunk.toString();
    callback();
    return true;
  }
  end(): void {}
  close(): void {}
}

/** Send one HTTP request over `socket`; resolves with the error it failed with. */
function failure(socket: ChannelSocket): Promise<Error> {
  return new Promise((resolve, reject) => {
    const req = request({ createConnection: () => socket, path: '/_ping' }, () =>
      reject(new Error('answered')),
    );
    req.on('error', resolve);
    req.end();
  });
}

describe('ChannelSocket', () => {
  it('holds an end back until the channel settles, so the exit can say why', async () => {
    const channel = new FakeChannel();
    let settle = (): void => undefined;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const socket = new ChannelSocket(channel as unknown as ClientChannel, settled);
    const failed = failure(socket);
    await new Promise((r) => setTimeout(r, 10));
    expect(channel.written).toContain('GET /_ping');
    channel.emit('end'); // stdout closed: the CLI gave up
    await new Promise((r) => setTimeout(r, 10));
    // Then the exit status arrives, and with it the reason.
    channel.emit('error', new Error('the engine does not answer'));
    settle();
    expect((await failed).message).toBe('the engine does not answer');
  });

  it('passes an end on at once without a gate (a closed connection is a hang-up)', async () => {
    const channel = new FakeChannel();
    const socket = new ChannelSocket(channel as unknown as ClientChannel);
    const failed = failure(socket);
    await new Promise((r) => setTimeout(r, 10));
    channel.emit('end');
    expect((await failed).message).toMatch(/socket hang up/);
  });

  it('is destroyed when the far end closes while it sits idle, so a keep-alive pool drops it', async () => {
    // An idle keep-alive connection is read by no one; a proxy in front of the engine closing it
    // (an idle timeout) must still end it, or the next request reuses a dead channel and fails
    // with "socket hang up" at once.
    const channel = new FakeChannel();
    const socket = new ChannelSocket(channel as unknown as ClientChannel);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    channel.emit('close');
    await closed;
    expect(socket.destroyed).toBe(true);
  });

  it("is destroyed by the far end's EOF alone while idle (sshd sends EOF, not close, while we keep our side open)", async () => {
    const channel = new FakeChannel();
    const socket = new ChannelSocket(channel as unknown as ClientChannel);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    channel.emit('end');
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});
