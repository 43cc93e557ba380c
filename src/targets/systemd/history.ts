/**
 * The release history of a project on a plain server (issue 19's history, issue 21's target):
 * the same JSON the Docker target keeps, in /etc/notesctl/<project>/releases.json, written
 * atomically. A released service's `image` and `ref` are its release id (`release <id>`).
 */
import type { Shell } from '../../engine/shell.ts';
import { RuntimeError } from '../../errors.ts';
import { formatHistory, parseHistory, type Release } from '../../releases/history.ts';
import { ETC } from './names.ts';
import { shellQuote as q } from './quote.ts';

/** Where the history lives on the server. */
export function historyFile(project: string): string {
  return `${ETC}/${project}/releases.json`;
}

/** Read the history (empty when none). */
export async function readHistory(shell: Shell, project: string): Promise<Release[]> {
  const result = await shell.run(`cat ${q(historyFile(project))} 2>/dev/null || true`);
  return parseHistory(result.stdout);
}

/** Replace the history. */
export async function writeHistory(
  shell: Shell,
  project: string,
  releases: Release[],
): Promise<void> {
  const file = historyFile(project);
  const result = await shell.run(
    `set -e; mkdir -p ${q(`${ETC}/${project}`)}; cat > ${q(`${file}.tmp`)}; mv -f ${q(`${file}.tmp`)} ${q(file)}`,
    { input: Buffer.from(formatHistory(releases)) },
  );
  if (result.code !== 0)
    throw new RuntimeError(
      `writing the release history on ${shell.hostName} failed: ${result.stderr.trim()}`,
    );
}

/** Remove the history (`down --volumes`). */
export async function removeHistory(shell: Shell, project: string): Promise<void> {
  await shell.run(`rm -f ${q(historyFile(project))}`);
}
