/**
 * An http.Agent whose "connections" are channels of one SSH connection to the remote Docker
 * socket. dockerode sends every request through it: keep-alive reuses idle channels, parallel
 * requests get channels of their own, and no request ever opens a second TCP connection.
 *
 * Each channel is a stream-local forward (`direct-streamlocal@openssh.com`, what `ssh -L
 * local:/run/docker.sock` uses). A server with `AllowStreamLocalForwarding no` refuses those;
 * then the agent falls back, for this connection, to `docker system dial-stdio` exec'd per
 * channel — what the docker CLI does for `ssh://` hosts.
 */
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { EngineError } from '../../errors.ts';
import { ChannelSocket } from './channel-socket.ts';
import type { SshLink } from './connect.ts';
import { describeEndpoint } from './endpoint.ts';
import { shellQuote } from './shell-quote.ts';

/** How channels reach the Docker socket. */
export type ChannelMode = 'stream-local' | 'dial-stdio';

/** SSH_OPEN_ADMINISTRATIVELY_PROHIBITED (RFC 4254 §5.1): the server forbids this channel type. */
const ADMINISTRATIVELY_PROHIBITED = 1;

/** Channels of `link` as HTTP connections to the Docker socket at `socketPath`. */
export class SshChannelAgent extends Agent {
  private readonly link: SshLink;
  private readonly socketPath: string;
  private readonly open = new Set<ChannelSocket>();
  /** Decided by the first channel; undefined until then. */
  mode: ChannelMode | undefined;
  /** Channels opened so far (for measurements and tests). */
  channelsOpened = 0;

  constructor(link: SshLink, socketPath: string) {
    // Docker's API server keeps connections open; 32 parallel channels stay well under sshd's
    // default MaxSessions (10 applies to sessions, i.e. dial-stdio exec channels only).
    super({ keepAlive: true, maxSockets: 32, maxFreeSockets: 8 });
    this.link = link;
    this.socketPath = socketPath;
    link.onLost((error) => {
      for (const socket of this.open) socket.destroy(error);
    });
  }

  override createConnection(
    _options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    this.openSocket().then(
      (socket) => callback?.(null, socket),
      (error: unknown) => callback?.(error as Error, undefined as unknown as Duplex),
    );
    return undefined;
  }

  /** Open one channel to the Docker socket, falling back to dial-stdio once if refused. */
  async openSocket(): Promise<ChannelSocket> {
    const lost = this.link.lost();
    if (lost) throw lost;
    const channel =
      this.mode === 'dial-stdio' ? await this.dialStdio() : await this.streamLocalOrFallback();
    this.channelsOpened += 1;
    const socket = new ChannelSocket(channel);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  }

  private async streamLocalOrFallback(): Promise<ClientChannel> {
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) =>
        this.link.client.openssh_forwardOutStreamLocal(this.socketPath, (error, stream) =>
          error ? reject(error) : resolve(stream),
        ),
      );
      this.mode = 'stream-local';
      return channel;
    } catch (error) {
      const reason = (error as { reason?: number }).reason;
      if (reason === ADMINISTRATIVELY_PROHIBITED && this.mode !== 'stream-local') {
        this.mode = 'dial-stdio';
        // Exec channels are sessions: sshd allows 10 per connection (MaxSessions).
        this.maxSockets = 8;
        return this.dialStdio();
      }
      throw this.channelError(error, reason);
    }
  }

  /** `docker system dial-stdio`: the remote docker CLI relays stdin/stdout to the socket. */
  private dialStdio(): Promise<ClientChannel> {
    const command =
      this.socketPath === '/run/docker.sock' || this.socketPath === '/var/run/docker.sock'
        ? 'docker system dial-stdio'
        : `docker -H ${shellQuote(`unix://${this.socketPath}`)} system dial-stdio`;
    return new Promise((resolve, reject) =>
      this.link.client.exec(command, (error, channel) => {
        if (error) return reject(this.channelError(error, undefined));
        let stderr = '';
        channel.stderr.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString()).slice(-2000);
        });
        // A dial-stdio that dies at once (no docker CLI, no engine) says why on stderr.
        channel.once('exit', (code: number | null) => {
          if (code !== 0 && code !== null) {
            channel.destroy();
            channel.emit('error', this.dialStdioError(code, stderr));
          }
        });
        resolve(channel);
      }),
    );
  }

  private dialStdioError(code: number, stderr: string): EngineError {
    const { endpoint } = this.link;
    const missing = code === 127;
    return new EngineError(
      {
        host: endpoint.name,
        operation: `docker system dial-stdio on ${describeEndpoint(endpoint)}`,
      },
      missing
        ? 'the docker CLI is not installed there'
        : `exit ${code}: ${stderr.trim() || 'no message'}`,
      {
        hint: missing
          ? `sshd there refuses socket forwarding (AllowStreamLocalForwarding no) and there is no docker CLI to fall back on: allow forwarding, or run \`notesctl provision ssh ${endpoint.name} ${describeEndpoint(endpoint)}\`.`
          : `Is the engine running there? Try \`notesctl hosts ssh ${endpoint.name} -- docker info\`.`,
      },
    );
  }

  private channelError(error: unknown, reason: number | undefined): Error {
    const lost = this.link.lost();
    if (lost) return lost;
    const { endpoint } = this.link;
    const message = (error as Error).message.replace(/^\(SSH\) /, '');
    return new EngineError(
      { host: endpoint.name, operation: `open a channel to ${this.socketPath}` },
      message,
      {
        hint:
          reason === 2 // SSH_OPEN_CONNECT_FAILED: nothing listens on the socket
            ? `No Docker engine answers at ${this.socketPath} on ${endpoint.name}: start it (\`systemctl start docker\`), fix \`socket:\` for the host, or run \`notesctl provision ssh ${endpoint.name} ${describeEndpoint(endpoint)}\`.`
            : undefined,
        cause: error,
      },
    );
  }

  /** Destroy every channel (the link itself is closed by its owner). */
  override destroy(): void {
    super.destroy();
    for (const socket of this.open) socket.destroy();
  }
}
