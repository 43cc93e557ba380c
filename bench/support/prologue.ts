/**
 * What every bench does before its first engine call: a progress log on stderr with the seconds
 * since the start, and the refusal to time a stale build.
 */
import { distIsFresh } from './workspace.ts';

/** A logger: `[bench +N s] text` on stderr, N counted from this call. */
export function benchLog(): (text: string) => void {
  const started = performance.now();
  return (text) =>
    console.error(`[bench +${((performance.now() - started) / 1000).toFixed(0)} s] ${text}`);
}

/** Why the bench cannot run bin/notesctl, or undefined when dist/ is built from the current src/. */
export async function staleDist(): Promise<string | undefined> {
  if (await distIsFresh()) return undefined;
  return 'dist/ is missing or older than src/: run `npm run build` first (the bench runs bin/notesctl).';
}
