/**
 * Commands run on a host over its SSH connection: captured (provisioning checks and installs)
 * or attached to the terminal with a PTY (`notesctl hosts ssh`).
 */
import type { Readable, Writable } from 'node:stream';
import type { ClientChannel, PseudoTtyOptions } from 'ssh2';
import { EngineError } from '../../errors.ts';
import type { SshLink } from './connect.ts';

/** What a captured command produced. */
export interface RemoteResult {
  code: number;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

function openExec(
  link: SshLink,
  command: string,
  pty: PseudoTtyOptions | false,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | undefined, channel: ClientChannel) => {
      if (!error) return resolve(channel);
      reject(
        link.lost() ??
          new EngineError(
            { host: link.endpoint.name, operation: 'run over SSH', resource: command.slice(0, 60) },
            error.message,
            { cause: error },
          ),
      );
    };
    if (pty) link.client.exec(command, { pty }, done);
    else link.client.exec(command, done);
  });
}

function waitForExit(
  link: SshLink,
  channel: ClientChannel,
): Promise<{ code: number; signal: string | undefined }> {
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
      // ssh(1) reports a command killed by a signal as 255; a shell would say 128+n.
      resolve({ code: code ?? 255, signal });
    });
  });
}

/** Run a command and capture its output (stdin closed, or fed from `input`). */
export async function runCaptured(
  link: SshLink,
  command: string,
  input?: string,
): Promise<RemoteResult> {
  const channel = await openExec(link, command, false);
  let stdout = '';
  let stderr = '';
  channel.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  channel.end(input ?? '');
  const { code, signal } = await waitForExit(link, channel);
  return { code, signal, stdout, stderr };
}

/** Streams of an attached command. */
export interface AttachedIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => void };
  stdout: Writable & { columns?: number; rows?: number };
  stderr: Writable;
  /** Allocate a PTY (an interactive terminal on both ends). */
  pty: boolean;
  term: string;
}

/** Run a command (or a login shell when `command` is undefined) attached to local streams. */
export async function runAttached(
  link: SshLink,
  command: string | undefined,
  io: AttachedIo,
): Promise<number> {
  const pty: PseudoTtyOptions | false = io.pty
    ? { term: io.term, rows: io.stdout.rows ?? 24, cols: io.stdout.columns ?? 80 }
    : false;
  const channel =
    command === undefined
      ? await new Promise<ClientChannel>((resolve, reject) =>
          link.client.shell(pty || false, (error, stream) =>
            error ? reject(error) : resolve(stream),
          ),
        )
      : await openExec(link, command, pty);
  const onResize = () => channel.setWindow(io.stdout.rows ?? 24, io.stdout.columns ?? 80, 0, 0);
  if (io.pty) {
    io.stdin.setRawMode?.(true);
    io.stdout.on('resize', onResize);
  }
  channel.pipe(io.stdout, { end: false });
  channel.stderr.pipe(io.stderr, { end: false });
  io.stdin.pipe(channel);
  try {
    return (await waitForExit(link, channel)).code;
  } finally {
    io.stdin.unpipe(channel);
    if (io.pty) {
      io.stdout.removeListener('resize', onResize);
      io.stdin.setRawMode?.(false);
    }
    io.stdin.pause();
  }
}
