/**
 * A plain server's shell over the host's one SSH connection (issue 21): what the systemd target
 * runs its scripts through. The interface is in our own words; src/engine/ssh/remote-shell.ts
 * implements it with ssh2 (loaded only when a shell is opened).
 */
import type { Readable, Writable } from 'node:stream';
import type { RemoteAccess } from './open.ts';

/** What a script produced. */
export interface ShellResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How to run one script. */
export interface ShellRunOptions {
  /** Bytes piped into the script's stdin (secrets and archives travel here, never in argv). */
  input?: Buffer | Readable;
  /** Called with each chunk of stdout instead of collecting it (`logs -f`). */
  onStdout?: (chunk: Buffer) => void;
  /**
   * Stdout streamed into this writable instead of collected, with backpressure (a dump larger
   * than memory): the channel pauses while it is full. Not ended: the caller ends it.
   */
  stdout?: Writable;
  /** Closes the script's channel when aborted. */
  signal?: AbortSignal;
}

/** Streams of a command attached to the operator's terminal (`exec`). */
export interface ShellAttachIo {
  stdin: Readable | undefined;
  stdout: Writable;
  stderr: Writable;
  /** Allocate a pseudo-terminal on the server. */
  tty: boolean;
}

/** One SSH connection to a host, running bash scripts as the login user (root). */
export interface Shell {
  readonly hostName: string;
  /** Run `script` with bash; resolves when it exits (stdout is collected unless onStdout). */
  run(script: string, options?: ShellRunOptions): Promise<ShellResult>;
  /** Run `script` attached to local streams; resolves to its exit code. */
  attach(script: string, io: ShellAttachIo): Promise<number>;
  /** The error to report when the link broke under a call (undefined while it is up). */
  lost(): Error | undefined;
  close(): Promise<void>;
}

/** Open `host`'s shell over SSH (closed by the caller). */
export async function openShell(
  host: string,
  access: RemoteAccess,
  whileConnecting?: () => void,
): Promise<Shell> {
  const { openRemoteShell } = await import('./ssh/remote-shell.ts');
  return openRemoteShell(host, access, whileConnecting);
}
