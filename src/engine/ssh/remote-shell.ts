/**
 * The Shell of src/engine/shell.ts over one SSH connection: every script is an exec channel of
 * that connection running `bash -c SCRIPT` (scripts carry no secret: those come on stdin).
 */
import { Readable } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { EngineError } from '../../errors.ts';
import type { RemoteAccess } from '../open.ts';
import type { Shell, ShellAttachIo, ShellResult, ShellRunOptions } from '../shell.ts';
import { connectSsh, type SshLink } from './connect.ts';
import { shellCommand } from './shell-quote.ts';

/** Where a channel's output goes from its first byte. */
interface Sinks {
  stdout: (chunk: Buffer, channel: ClientChannel) => void;
  stderr: (chunk: Buffer) => void;
}

/**
 * Open an exec channel with its listeners attached inside ssh2's callback: a fast script's
 * output, exit status and close can arrive in the same TCP read as the exec's confirmation, and
 * ssh2 emits them before any promise continuation runs (seen as "exit 255" under load).
 */
function openChannel(
  link: SshLink,
  script: string,
  tty: boolean,
  sinks: Sinks,
): Promise<{ channel: ClientChannel; exited: Promise<number> }> {
  const command = shellCommand(['bash', '-c', script]);
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, channel: ClientChannel) => {
      if (!error) {
        channel.on('data', (chunk: Buffer) => sinks.stdout(chunk, channel));
        channel.stderr.on('data', sinks.stderr);
        return resolve({ channel, exited: exitOf(link, channel) });
      }
      const resource = script.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#'));
      reject(
        link.lost() ??
          new EngineError(
            {
              host: link.endpoint.name,
              operation: 'run over SSH',
              resource: resource?.slice(0, 60),
            },
            error.message,
            { cause: error },
          ),
      );
    };
    if (tty) link.client.exec(command, { pty: { term: process.env.TERM ?? 'xterm' } }, done);
    else link.client.exec(command, done);
  });
}

function exitOf(link: SshLink, channel: ClientChannel): Promise<number> {
  return new Promise((resolve, reject) => {
    let code: number | undefined;
    let signal: string | undefined;
    channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
      code = exitCode ?? undefined;
      signal = exitSignal;
    });
    channel.on('close', () => {
      const lost = link.lost();
      if (lost && code === undefined) return reject(lost);
      if (code === undefined && signal !== undefined) {
        return reject(
          new EngineError(
            { host: link.endpoint.name, operation: 'run over SSH' },
            `the script was killed by SIG${signal}`,
          ),
        );
      }
      resolve(code ?? 255);
    });
  });
}

class RemoteShell implements Shell {
  readonly hostName: string;
  private readonly link: SshLink;

  constructor(hostName: string, link: SshLink) {
    this.hostName = hostName;
    this.link = link;
  }

  async run(script: string, options: ShellRunOptions = {}): Promise<ShellResult> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const sink = options.stdout;
    const { channel, exited } = await openChannel(this.link, script, false, {
      stdout: (chunk, channel) => {
        if (sink) {
          // Full: stop reading the channel (its window closes, so the far end waits) until drained.
          if (!sink.write(chunk)) {
            channel.pause();
            sink.once('drain', () => channel.resume());
          }
        } else if (options.onStdout) options.onStdout(chunk);
        else out.push(chunk);
      },
      stderr: (chunk) => err.push(chunk),
    });
    const abort = () => channel.close();
    options.signal?.addEventListener('abort', abort, { once: true });
    const input = options.input;
    if (input === undefined) channel.end();
    else if (Buffer.isBuffer(input)) channel.end(input);
    else Readable.prototype.pipe.call(input, channel);
    try {
      const code = await exited;
      return {
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
  }

  async attach(script: string, io: ShellAttachIo): Promise<number> {
    const { channel, exited } = await openChannel(this.link, script, io.tty, {
      stdout: (chunk) => io.stdout.write(chunk),
      stderr: (chunk) => io.stderr.write(chunk),
    });
    if (io.stdin) io.stdin.pipe(channel);
    else channel.end();
    try {
      return await exited;
    } finally {
      io.stdin?.unpipe(channel);
      io.stdin?.pause();
    }
  }

  lost(): Error | undefined {
    return this.link.lost();
  }

  close(): Promise<void> {
    return this.link.close();
  }
}

/** Connect to `host` and return its shell. */
export async function openRemoteShell(
  host: string,
  { endpoint, ssh }: RemoteAccess,
  whileConnecting?: () => void,
): Promise<Shell> {
  const link = await connectSsh(endpoint, {
    ...ssh,
    ...(whileConnecting ? { onConnecting: whileConnecting } : {}),
  });
  return new RemoteShell(host, link);
}
