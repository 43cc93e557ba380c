/**
 * Texts this build has already checked against a schema (host records): a marker file per
 * sha256 of the build id, the kind and the exact text, under `<state dir>/cache/checked/`. A
 * text with a marker is known to pass, so it is used without loading the schema library again.
 * Running from sources (no build id) nothing is remembered.
 */
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_ID } from './build-id.ts';
import { stateDir, writePrivateFile } from './state-dir.ts';

function markerPath(
  kind: string,
  text: string,
  env: NodeJS.ProcessEnv,
  build: string | undefined,
): string | undefined {
  if (build === undefined) return undefined;
  const digest = createHash('sha256').update(`${build}\0${kind}\0${text}`).digest('hex');
  return join(stateDir(env), 'cache', 'checked', digest);
}

/** Whether this build checked exactly this text before and found it valid. */
export async function checkedBefore(
  kind: string,
  text: string,
  env: NodeJS.ProcessEnv,
  build: string | undefined = BUILD_ID,
): Promise<boolean> {
  const path = markerPath(kind, text, env, build);
  if (path === undefined) return false;
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Remember that this text passed (best effort: failing to write only costs speed). */
export async function rememberChecked(
  kind: string,
  text: string,
  env: NodeJS.ProcessEnv,
  build: string | undefined = BUILD_ID,
): Promise<void> {
  const path = markerPath(kind, text, env, build);
  if (path === undefined) return;
  try {
    await writePrivateFile(path, '');
  } catch {
    // A read-only or full state folder: the next read checks the text again.
  }
}
