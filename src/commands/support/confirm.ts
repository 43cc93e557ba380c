/**
 * Asking the operator before destructive steps: a prompt on a TTY (src/output/prompt.ts);
 * without one, the command must have been given --yes.
 */
import { UsageError } from '../../errors.ts';
import { askYesNo } from '../../output/prompt.ts';

/** Ask a yes/no question, or demand --yes when stdin is not a terminal. */
export async function confirmOrRequireYes(
  question: string,
  yes: boolean,
  flagHint: string,
): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) {
    throw new UsageError(`${question} — refusing without confirmation (no terminal to ask on)`, {
      hint: `Pass ${flagHint} to confirm.`,
    });
  }
  return askYesNo(question);
}
