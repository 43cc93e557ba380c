/** Rule: command and entrypoint strings split into words (quotes closed, not empty). */
import { splitWords } from '../shell-words.ts';
import { type Rule, servicesOf } from './context.ts';

/** String forms of `command:` and `entrypoint:` split cleanly. */
export const checkCommands: Rule = (context) => {
  for (const [name, service] of servicesOf(context)) {
    for (const key of ['command', 'entrypoint'] as const) {
      const value = service[key];
      if (typeof value !== 'string') continue;
      const split = splitWords(value);
      const path = ['services', name, key];
      if ('error' in split) context.problems.report(path, split.error);
      else if (split.words.length === 0) {
        context.problems.report(path, `expected a command, got ${JSON.stringify(value)}`);
      }
    }
  }
};
