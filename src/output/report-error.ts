/**
 * Turns any thrown value into what the operator sees and the exit code. Called once, from the
 * CLI entry.
 */
import { ConfigError, ExitCode, NotesctlError, formatProblem } from '../errors.ts';
import type { Terminal } from './terminal.ts';

/** Print an error and return the exit code for it. */
export function reportError(terminal: Terminal, error: unknown): number {
  if (error instanceof ConfigError) {
    terminal.error(error.message);
    for (const problem of error.problems) terminal.error(`  ${formatProblem(problem)}`);
    if (error.hint) terminal.info(error.hint);
    if (terminal.options.json) terminal.json({ error: error.message, problems: error.problems });
    return error.exitCode;
  }
  if (error instanceof NotesctlError) {
    terminal.error(`(${error.name}) ${error.message}`);
    if (error.hint) terminal.info(`  ${error.hint}`);
    if (terminal.options.verbose && error.stack) terminal.debug(error.stack);
    if (terminal.options.json) terminal.json({ error: error.message, kind: error.name });
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  terminal.error(`internal error — this is a bug in notesctl, please report it with this output:`);
  terminal.error(stack);
  return ExitCode.failure;
}
