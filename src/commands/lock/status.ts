/**
 * `notesctl lock status` (issue 23): who holds the project's deploy lock on each of its hosts,
 * since when, until when its lease runs, and the calls in flight it lists. Takes no lock.
 */
import type { Command } from 'commander';
import { withTarget } from '../../targets/open.ts';
import type { CommandContext } from '../context.ts';
import {
  formatLockState,
  projectHosts,
  readLockState,
  type LockState,
} from '../support/deploy-locks.ts';
import { hostAccess } from '../support/host-access.ts';
import { loadForCommand } from '../support/load.ts';

/** `lock status` has no options of its own. */
export type StatusOptions = Record<string, never>;

/** `lock status` has no flags of its own. */
export function configure(command: Command): Command {
  return command;
}

/** `lock status`'s options (none). */
export function readOptions(): StatusOptions {
  return {};
}

/** Run `lock status`. */
export async function run(_options: StatusOptions, context: CommandContext): Promise<number> {
  const topology = await loadForCommand(context.global);
  const locks: LockState[] = [];
  for (const host of projectHosts(topology)) {
    locks.push(
      await withTarget(topology, host, hostAccess(context), (target) =>
        readLockState(host, target.hostLock()),
      ),
    );
  }
  if (context.global.json) context.terminal.json(locks);
  else context.terminal.data(locks.map(formatLockState).join('\n'));
  return 0;
}
