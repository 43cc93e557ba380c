/**
 * Running a command in a service with the operator's terminal attached: stdin in raw mode
 * while a TTY is used, the command's own output straight to our stdout/stderr (it is data).
 */
import type { Terminal } from '../../output/terminal.ts';
import type { Target } from '../../targets/target.ts';

/** What to run, as whom, and whether a TTY is wanted. */
export interface AttachedCommand {
  cmd: string[];
  user: string | undefined;
  /** Use a TTY if both ends are terminals. */
  tty: boolean;
  /** On a cluster: the task to run in (`ps`'s `notes.2`, its slot, or a task ID prefix). */
  task?: string | undefined;
}

/** Run `command` in `service`'s running instance on `target`; resolves to its exit code. */
export async function execAttached(
  target: Target,
  service: string,
  { cmd, user, task, ...wanted }: AttachedCommand,
  terminal: Terminal,
): Promise<number> {
  const tty = wanted.tty && process.stdin.isTTY && terminal.streams.stdout.isTTY === true;
  // Raw mode only once the instance is found: a Ctrl-C while it is looked up still ends us.
  const state = { attached: false };
  try {
    return await target.exec(service, {
      cmd,
      user,
      task,
      tty,
      stdin: process.stdin.isTTY && !tty ? undefined : process.stdin,
      stdout: terminal.streams.stdout,
      stderr: terminal.streams.stderr,
      onAttach: () => {
        state.attached = true;
        if (tty) process.stdin.setRawMode(true);
      },
    });
  } finally {
    if (state.attached) {
      if (tty) process.stdin.setRawMode(false);
      process.stdin.pause();
    }
  }
}
