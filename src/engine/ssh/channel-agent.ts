/**
 * An http.Agent whose "connections" are channels of one SSH connection to the remote Docker
 * socket. dockerode sends every request through it: keep-alive reuses idle channels, parallel
 * requests get channels of their own, and no request ever opens a second TCP connection.
 *
 * Each channel is a stream-local forward (`direct-streamlocal@openssh.com`, what `ssh -L
 * local:/run/docker.sock` uses). A server with `AllowStreamLocalForwarding no` refuses those;
 * then the agent falls back, for this connection, to `docker system dial-stdio` exec'd per
 * channel — what the docker CLI does for `ssh://` hosts — once that has answered.
 */
import type { ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import type { ClientChannel } from 'ssh2';
import { EngineError } from '../../errors.ts';
import { http } from '../node-http.ts';
import { ChannelSocket } from './channel-socket.ts';
import type { SshLink } from './connect.ts';
import { describeEndpoint } from './endpoint.ts';
import { shellQuote } from './shell-quote.ts';

/** How channels reach the Docker socket. */
export type ChannelMode = 'stream-local' | 'dial-stdio';

/**
 * What the docker CLI says when nothing listens on the socket: the file is missing (engine
 * stopped) or refuses connections (engine dead, socket left behind).
 */
const ENGINE_DOWN =
  /dial unix \S+: connect: (no such file or directory|connection refused)|Cannot connect to the Docker daemon/;

/** Paths where the docker CLI looks by default (no -H needed). */
const DEFAULT_SOCKETS = new Set(['/run/docker.sock', '/var/run/docker.sock']);

/** Channels of `link` as HTTP connections to the Docker socket at `socketPath`. */
export class SshChannelAgent extends http.Agent {
  private readonly link: SshLink;
  private readonly socketPath: string;
  private readonly open = new Set<ChannelSocket>();
  /** Decided by the first channel; undefined until then. */
  mode: ChannelMode | undefined;
  /** Channels opened so far (for measurements and tests). */
  channelsOpened = 0;
  /** dial-stdio channels: settled once the CLI answered or exited (see dialStdio). */
  private readonly settled = new WeakMap<ClientChannel, Promise<void>>();

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
      this.mode === 'dial-stdio'
        ? await this.dialStdio(undefined)
        : await this.streamLocalOrFallback();
    this.channelsOpened += 1;
    const socket = new ChannelSocket(channel, this.settled.get(channel));
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
      // OpenSSH answers "open failed" (SSH_OPEN_CONNECT_FAILED) both when nothing listens on the
      // socket and when AllowStreamLocalForwarding forbids the channel: only trying the
      // fallback tells them apart. Once forwarding has worked, a failure is the engine's.
      if (this.mode === 'stream-local' || this.link.lost()) throw this.channelError(error);
      const refused = (error as Error).message.replace(/^\(SSH\) /, '');
      return this.dialStdio(refused);
    }
  }

  /** `docker system dial-stdio`: the remote docker CLI relays stdin/stdout to the socket. */
  private dialStdio(refused: string | undefined): Promise<ClientChannel> {
    const command = DEFAULT_SOCKETS.has(this.socketPath)
      ? 'docker system dial-stdio'
      : `docker -H ${shellQuote(`unix://${this.socketPath}`)} system dial-stdio`;
    // Exec channels are sessions: sshd allows 10 per connection (MaxSessions).
    this.maxSockets = 8;
    return new Promise((resolve, reject) =>
      this.link.client.exec(command, (error, channel) => {
        if (error) return reject(this.channelError(error));
        let stderr = '';
        let answered = false;
        // The CLI's stdout often ends before sshd reports its exit status: the socket must not
        // pass that end on (an HTTP "socket hang up") until the exit has had its say below.
        this.settled.set(
          channel,
          new Promise((settle) => {
            channel.once('data', () => settle());
            channel.once('exit', () => settle());
            channel.once('close', () => settle());
          }),
        );
        channel.once('data', () => {
          answered = true;
          this.mode = 'dial-stdio';
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString()).slice(-2000);
        });
        // A dial-stdio that dies at once (no docker CLI, no engine) says why on stderr.
        channel.once('exit', (code: number | null) => {
          if (code === 0 || code === null || answered) return;
          channel.emit('error', this.fallbackError(code, stderr, refused));
          channel.destroy();
        });
        resolve(channel);
      }),
    );
  }

  private fallbackError(code: number, stderr: string, refused: string | undefined): EngineError {
    const { endpoint } = this.link;
    const where = `${this.socketPath} on ${endpoint.name}`;
    const cli =
      code === 127 ? 'no docker CLI there' : stderr.trim().split('\n').at(-1) || `exit ${code}`;
    // The docker CLI there reached for the socket and found no engine: the SSH link works (and so
    // did the exec), so sshd's "open failed" meant the same dead socket, not a forbidden channel.
    if (ENGINE_DOWN.test(stderr)) {
      return new EngineError(
        { host: endpoint.name, operation: `reach the Docker engine at ${this.socketPath}` },
        `the engine does not answer — the SSH link to ${endpoint.name} works, but nothing listens on the socket (${cli})`,
        {
          hint:
            `Start Docker on ${endpoint.name} (systemctl start docker, or \`notesctl provision ssh ${endpoint.name} ${describeEndpoint(endpoint)}\`, which starts it), ` +
            'or fix `socket:` for the host if its engine listens elsewhere.',
        },
      );
    }
    return new EngineError(
      { host: endpoint.name, operation: `reach the Docker engine at ${this.socketPath}` },
      `${refused ? `sshd refused the socket channel (${refused}), and ` : ''}docker system dial-stdio failed (${cli})`,
      {
        hint:
          `Either nothing listens at ${where} — start Docker (systemctl start docker), fix \`socket:\` for the host, ` +
          `or run \`notesctl provision ssh ${endpoint.name} ${describeEndpoint(endpoint)}\` — or sshd there forbids socket forwarding ` +
          '(AllowStreamLocalForwarding no) and the docker CLI fallback does not work either.',
      },
    );
  }

  private channelError(error: unknown): Error {
    const lost = this.link.lost();
    if (lost) return lost;
    const message = (error as Error).message.replace(/^\(SSH\) /, '');
    return new EngineError(
      { host: this.link.endpoint.name, operation: `open a channel to ${this.socketPath}` },
      message,
      { cause: error },
    );
  }

  /**
   * docker-modem logs every request with util.inspect(options, { showHidden: true, depth: null })
   * whether debugging is on or not; the options hold this agent, and walking it (the SSH client,
   * its channels and buffers) cost 50-250 ms of CPU per request. A one-line summary instead.
   */
  [inspect.custom](): string {
    return `SshChannelAgent(${this.socketPath} on ${describeEndpoint(this.link.endpoint)}, ${this.mode ?? 'no channel yet'})`;
  }

  /** Destroy every channel (the link itself is closed by its owner). */
  override destroy(): void {
    super.destroy();
    for (const socket of this.open) socket.destroy();
  }
}
