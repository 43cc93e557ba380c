/**
 * Structured JSON logs, one object per line. Callers pass explicit fields; nothing here
 * serialises requests, bodies or headers, so secrets cannot slip in by accident.
 */

/** Extra fields of one log line: plain values only. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** The logger every module receives. */
export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** A logger writing JSON lines to `write` (stdout by default). */
export function createLogger(
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger {
  const emit = (level: string, msg: string, fields?: LogFields) =>
    write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
  return {
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
