/** `user@host[:port]` as given on the command line (`notesctl provision ssh NAME TARGET`). */
import { parseSshTarget } from '../config/ssh-target.ts';
import { UsageError } from '../errors.ts';

/** The parts of an SSH target. */
export interface SshTarget {
  user: string;
  hostname: string;
  port: number;
}

/** Parse and check a target; a UsageError says what was expected. */
export function parseTarget(text: string, what = 'target'): SshTarget {
  const expected = `${what}: expected user@host[:port] (e.g. root@203.0.113.10 or deploy@[2001:db8::1]:2222), got "${text}"`;
  if (!/^[A-Za-z0-9._-]+@(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d+)?$/.test(text)) {
    throw new UsageError(expected);
  }
  const parsed = parseSshTarget(text);
  if ('error' in parsed) throw new UsageError(`${what}: ${parsed.error}`);
  return parsed;
}
