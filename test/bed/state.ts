// Where the test bed keeps its state. Small, per-boot state (locks, slots, pid files, sockets) lives
// under /run, which a reboot clears; bulky data (the hosts' image stores) under /var/lib.
import { join } from 'node:path';

/** Root of the test bed's per-boot state (override with NOTESCTL_TESTBED_STATE). */
export const stateDir = process.env.NOTESCTL_TESTBED_STATE ?? '/run/notesctl-testbed';

/** Root of the test bed's bulky data (override with NOTESCTL_TESTBED_DATA). */
export const dataDir = process.env.NOTESCTL_TESTBED_DATA ?? '/var/lib/notesctl-testbed';

/** Directory of the lock called `name`. */
export function lockPath(name: string): string {
  return join(stateDir, 'locks', name);
}
