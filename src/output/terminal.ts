/**
 * The only writer to stdout and stderr. Data goes to stdout; progress, warnings and errors go to
 * stderr. Colour follows --no-color, NO_COLOR and whether stderr is a terminal.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Writable } from 'node:stream';

/** How the operator asked output to look. */
export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
}

/** Streams the terminal writes to; tests pass their own. */
export interface OutputStreams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

/** Decide whether to colour: --no-color and NO_COLOR win, otherwise only on a TTY. */
export function wantColor(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv,
  isTTY: boolean,
): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY;
}

/** Writes data, progress and diagnostics for one command run. */
export class Terminal {
  readonly options: OutputOptions;
  readonly streams: OutputStreams;
  readonly paint: ChalkInstance;

  constructor(options: OutputOptions, streams: OutputStreams = process) {
    this.options = options;
    this.streams = streams;
    this.paint = new Chalk({ level: options.color ? 1 : 0 });
  }

  /** True when progress may be drawn with spinners (stderr is an interactive terminal). */
  get interactive(): boolean {
    return this.streams.stderr.isTTY === true && !this.options.json;
  }

  /** Command results: tables, JSON documents, log lines. */
  data(text: string): void {
    this.streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A JSON document on stdout. */
  json(value: unknown): void {
    this.data(JSON.stringify(value, null, 2));
  }

  /** Progress for humans; silenced by -q. */
  info(text: string): void {
    if (this.options.quiet) return;
    this.streams.stderr.write(`${text}\n`);
  }

  /** Detail shown only with -v. */
  debug(text: string): void {
    if (!this.options.verbose) return;
    this.streams.stderr.write(`${this.paint.dim(text)}\n`);
  }

  /** Something the operator should know about; never silenced. */
  warn(text: string): void {
    this.streams.stderr.write(`${this.paint.yellow('WARNING')} ${text}\n`);
  }

  /** An error line (the CLI entry decides which errors reach here). */
  error(text: string): void {
    this.streams.stderr.write(`${this.paint.red('ERROR')} ${text}\n`);
  }
}
