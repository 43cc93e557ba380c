/**
 * Who records a release: the operator as `user@machine` (`NOTESCTL_OPERATOR` overrides the user,
 * e.g. a CI job's name) and this notesctl's version.
 */
import { hostname, userInfo } from 'node:os';
import { NOTESCTL_VERSION } from '../version.ts';
import type { ReleaseAuthor } from './history.ts';

/** The author of a release made now by this process (a rollback names the release it returns to). */
export function releaseAuthor(rollbackOf?: number): ReleaseAuthor {
  const operator = `${process.env.NOTESCTL_OPERATOR ?? safeUser()}@${hostname()}`;
  return {
    time: new Date(),
    operator,
    version: NOTESCTL_VERSION,
    ...(rollbackOf === undefined ? {} : { rollbackOf }),
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
