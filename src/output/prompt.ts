/**
 * Questions to the operator: every prompt notesctl shows goes through here. Asked with inquirer
 * on stderr, so that stdout carries only data. @inquirer/prompts is imported on the first
 * question, not at start-up: most runs ask nothing and should not pay for loading it.
 */

/** True when the operator can be asked (stdin and stderr are terminals). */
export function canAsk(): boolean {
  return process.stdin.isTTY && process.stderr.isTTY;
}

/** A yes/no question; Enter answers no. */
export async function askYesNo(message: string): Promise<boolean> {
  const inquirer = await import('@inquirer/prompts');
  return inquirer.confirm({ message, default: false }, { output: process.stderr });
}

/** A line of text; an empty answer is refused and asked again. */
export async function askText(message: string): Promise<string> {
  const inquirer = await import('@inquirer/prompts');
  return inquirer.input({ message, required: true }, { output: process.stderr });
}

/**
 * A hidden answer. With `mask`, each key typed shows as that character; without, nothing about
 * the answer, not even its length, reaches the screen.
 */
export async function askPassword(
  message: string,
  options: { mask?: string } = {},
): Promise<string> {
  const inquirer = await import('@inquirer/prompts');
  return inquirer.password({ message, ...options }, { output: process.stderr });
}
