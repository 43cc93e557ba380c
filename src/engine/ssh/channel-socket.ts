/**
 * An SSH channel dressed as the socket Node's HTTP client expects. ssh2's Channel is a Duplex, but
 * its destroy() takes no error and never marks the stream destroyed, and it lacks the net.Socket
 * methods the HTTP agent calls (setKeepAlive, setNoDelay, setTimeout, ref, unref). This wrapper
 * gives the HTTP layer ordinary stream semantics, with backpressure both ways, and lets the
 * transport fail every open request with one clear error when the SSH link is lost.
 */
import { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';

/** A Duplex over one SSH channel, usable as an HTTP socket. */
export class ChannelSocket extends Duplex {
  private readonly channel: ClientChannel;
  /** Set by setTimeout; the HTTP agent reads it back. */
  timeout = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  /**
   * `endAfter`: pass the channel's end on only once this settles (a channel whose end alone says
   * nothing, until its exit status tells why).
   */
  constructor(channel: ClientChannel, endAfter?: Promise<void>) {
    // Not half-open: when the far end ends (an HTTP server closing a keep-alive connection,
    // often while it sits idle in the agent's pool), our side ends too and the socket is
    // destroyed, so the agent drops it instead of reusing a channel whose far end is gone.
    super({ allowHalfOpen: false });
    this.channel = channel;
    channel.on('data', (chunk: Buffer) => {
      this.touch();
      if (!this.push(chunk)) channel.pause();
    });
    channel.on('end', () => {
      if (endAfter) {
        void endAfter.then(() => this.push(null));
        return;
      }
      this.push(null);
      // A paused socket with nothing buffered would never see this end: the connection is over.
      if (this.readableFlowing !== true && this.readableLength === 0) this.destroy();
    });
    channel.on('close', () => {
      // The remote end closed: deliver what was read, then end like a closed TCP socket.
      this.push(null);
      if (!this.writableFinished) this.end();
      if (this.readableEnded) this.destroy();
      else this.once('end', () => this.destroy());
      // Nothing left to read: let the end come even if no one is reading.
      if (this.readableLength === 0) this.resume();
    });
    // Errors on the channel itself are rare (the link's errors end it through close()).
    channel.on('error', (error: Error) => this.destroy(error));
  }

  override _read(): void {
    this.channel.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (e?: Error) => void): void {
    this.touch();
    // ssh2 calls back once the data fits the peer's window: SSH-level backpressure.
    this.channel.write(chunk, (error?: Error | null) => callback(error ?? undefined));
  }

  override _final(callback: (e?: Error) => void): void {
    // Half-close: EOF on the channel, which sshd passes on as shutdown(SHUT_WR) to the socket.
    this.channel.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (e: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.channel.close();
    callback(error);
  }

  /** net.Socket compatibility: TCP options mean nothing on a channel. */
  setKeepAlive(): this {
    return this;
  }

  /** net.Socket compatibility. */
  setNoDelay(): this {
    return this;
  }

  /** net.Socket compatibility: the process's lifetime is tied to the SSH connection instead. */
  ref(): this {
    return this;
  }

  /** net.Socket compatibility. */
  unref(): this {
    return this;
  }

  /** Emit 'timeout' after `ms` without traffic, like net.Socket (0 turns it off). */
  setTimeout(ms: number, onTimeout?: () => void): this {
    this.timeout = ms;
    if (onTimeout) this.once('timeout', onTimeout);
    this.touch();
    return this;
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer =
      this.timeout > 0 ? setTimeout(() => this.emit('timeout'), this.timeout).unref() : undefined;
  }
}
