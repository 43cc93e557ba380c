/**
 * How a command reaches hosts: questions on its terminal, its --accept-new-host-key. A module of
 * its own so that commands that only read (ps, logs, exec) load nothing of the host session.
 */
import type { HostAccess } from '../../targets/open.ts';
import type { CommandContext } from '../context.ts';

/** The host access of the command run in `context`. */
export function hostAccess({ global, terminal }: CommandContext): HostAccess {
  return { terminal, acceptNewHostKey: global.acceptNewHostKey };
}
