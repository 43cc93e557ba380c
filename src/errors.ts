/**
 * The few error classes notesctl throws. The CLI entry (src/cli.ts) is the only place that
 * catches them; it maps each to an exit code and prints it through src/output.
 */

/** Exit codes, as documented in the README. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** Base class: a message the user can act on, with an optional next step. */
export class NotesctlError extends Error {
  /** Process exit code for this kind of error. */
  readonly exitCode: number = ExitCode.failure;
  /** What to do next, printed under the message. */
  readonly hint: string | undefined;

  constructor(message: string, options?: { hint?: string | undefined; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** A bad flag, argument or command: exit 2, before anything was changed. */
export class UsageError extends NotesctlError {
  override readonly exitCode: number = ExitCode.usage;
}

/** One problem found in the topology file, located by file, line, column and key path. */
export interface ConfigProblem {
  file: string;
  line?: number | undefined;
  column?: number | undefined;
  /** Dotted key path, e.g. `services.notes.ports[0]`. */
  path: string;
  message: string;
}

/** Every problem found in a topology file, reported together: exit 2, no engine call made. */
export class ConfigError extends UsageError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: { hint?: string }) {
    super(
      problems.length === 1
        ? '1 problem in the topology'
        : `${problems.length} problems in the topology`,
      options,
    );
    this.problems = problems;
  }
}

/** A Docker engine call failed: names the host, the operation and the resource. */
export class EngineError extends NotesctlError {
  readonly host: string;
  readonly operation: string;
  readonly resource: string | undefined;
  readonly statusCode: number | undefined;

  constructor(
    details: {
      host: string;
      operation: string;
      resource?: string | undefined;
      statusCode?: number | undefined;
    },
    message: string,
    options?: { hint?: string | undefined; cause?: unknown },
  ) {
    const what = details.resource ? `${details.operation} ${details.resource}` : details.operation;
    super(`${details.host}: ${what}: ${message}`, options);
    this.host = details.host;
    this.operation = details.operation;
    this.resource = details.resource;
    this.statusCode = details.statusCode;
  }
}

/** Anything else that went wrong at run time (a service never became healthy, a lock is held…). */
export class RuntimeError extends NotesctlError {}

/** Format a config problem as `file:line:col path: message`. */
export function formatProblem(problem: ConfigProblem): string {
  const where = [problem.file, problem.line, problem.column]
    .filter((v) => v !== undefined)
    .join(':');
  return `${where} ${problem.path}: ${problem.message}`;
}
