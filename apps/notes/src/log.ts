/**
 * The app's only writer to stdout/stderr: one JSON line per event so container logs stay
 * greppable. Callers pass fields, never secrets; `redactUrl` strips passwords from URLs.
 */

type Fields = Record<string, unknown>;

let quiet = false;

function write(level: 'info' | 'warn' | 'error', message: string, fields?: Fields): void {
  if (quiet) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}

/** Structured logger used everywhere in the app. */
export const log = {
  info: (message: string, fields?: Fields): void => write('info', message, fields),
  warn: (message: string, fields?: Fields): void => write('warn', message, fields),
  error: (message: string, fields?: Fields): void => write('error', message, fields),
};

/** Silence logging (tests that expect errors keep their output readable). */
export function setQuietLogging(value: boolean): void {
  quiet = value;
}

/** A URL fit for logs: the password, if any, replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}
