/**
 * `notesctl lock release [--yes]` (issue 23), for the stuck case: remove the project's deploy
 * lock on its hosts, whoever holds it (asks first). A holder still at work finds out at its next
 * renewal and stops. Calls in flight that the lock lists are not dropped: they stay in a
 * released lock, which the next `up` or `down` takes over at once and finishes first.
 */
import type { Command } from 'commander';
import { withTarget } from '../../targets/open.ts';
import type { CommandContext } from '../context.ts';
import { confirmOrRequireYes } from '../support/confirm.ts';
import { formatLockState, projectHosts, readLockState } from '../support/deploy-locks.ts';
import { hostAccess } from '../support/host-access.ts';
import { loadForCommand } from '../support/load.ts';

/** Whether to ask. */
export interface ReleaseOptions {
  yes: boolean;
}

/** Declare `lock release`'s flags. */
export function configure(command: Command): Command {
  return command.option('-y, --yes', 'do not ask before releasing a lock someone holds');
}

/** `lock release`'s options from what commander parsed. */
export function readOptions(command: Command): ReleaseOptions {
  return { yes: command.opts<{ yes?: boolean }>().yes === true };
}

/** Run `lock release`. */
export async function run(options: ReleaseOptions, context: CommandContext): Promise<number> {
  const { terminal } = context;
  const topology = await loadForCommand(context.global);
  for (const host of projectHosts(topology)) {
    await withTarget(topology, host, hostAccess(context), async (target) => {
      const store = target.hostLock();
      const lock = await readLockState(host, store);
      if (lock.state === 'free' || lock.handle === undefined) {
        terminal.info(formatLockState(lock));
        return;
      }
      terminal.info(formatLockState(lock));
      const question = `Release the deploy lock of ${topology.project} on ${host}? A run still working there loses its protection.`;
      if (lock.state === 'live' && !(await confirmOrRequireYes(question, options.yes, '--yes'))) {
        terminal.info(`${host}: kept`);
        return;
      }
      await store.remove(lock.handle);
      const calls = lock.owner?.inFlight ?? [];
      if (lock.owner && calls.length > 0) {
        // A new object: a holder still renewing the old one cannot overwrite it.
        await store.create(JSON.stringify({ ...lock.owner, released: true, inFlight: calls }));
      }
      terminal.info(
        `${host}: released${calls.length > 0 ? `; ${calls.length} call(s) in flight kept for the next run` : ''}`,
      );
    });
  }
  return 0;
}
