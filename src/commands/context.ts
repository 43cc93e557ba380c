/**
 * What the CLI hands every command, and what every command module exports. Here rather than in
 * src/cli.ts, so that commands do not import the CLI that loads them.
 */
import type { Command } from 'commander';
import type { Terminal } from '../output/terminal.ts';

/** Options every command accepts. */
export interface GlobalOptions {
  file: string;
  host?: string | undefined;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
  /** Trust (and record) a remote host key seen for the first time. */
  acceptNewHostKey: boolean;
}

/** Everything a command needs from the CLI layer besides its own options. */
export interface CommandContext {
  global: GlobalOptions;
  terminal: Terminal;
}

/**
 * A module under src/commands/: one command, its flags and its behaviour. `O` is the command's
 * own options, positional arguments included.
 */
export interface CommandModule<O> {
  /** Declare the command's flags and extra help text (its name and description are in cli.ts). */
  configure: (command: Command) => Command;
  /** The typed options, from what commander parsed: the one place raw values are read. */
  readOptions: (command: Command) => O;
  /** Run the command; resolves to its exit code (undefined: 0). */
  run: (options: O, context: CommandContext) => Promise<number | undefined>;
}
