/**
 * The releases of notes the redeploy benchmark deploys: version 0 as the workspace built it, and
 * N one-line changes (one-line-change.ts), each built once before any load runs. Built up front
 * because a build takes both CPUs of this machine for tens of seconds: under the load it would
 * slow notes for reasons no deploy tool controls. Every tool then deploys the same images.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { docker } from './cleanup.ts';
import { changedFile, makeOneLineChange } from './one-line-change.ts';
import type { Workspace } from './workspace.ts';

/** One release of notes. */
export interface NotesVersion {
  /** Contents of apps/notes/src/server.ts (notesctl finds the image by its build context). */
  source: string;
  /** The image's tag (what compose and the script run). */
  tag: string;
  /** The image's ID (what a running container reports). */
  imageId: string;
}

async function notesTags(ws: Workspace): Promise<Set<string>> {
  const images = await docker.listImages({
    filters: JSON.stringify({
      label: [`io.notesctl.project=${ws.notesctl.project}`, 'io.notesctl.service=notes'],
    }),
  });
  return new Set(images.flatMap((i) => i.RepoTags ?? []));
}

async function current(ws: Workspace, tag: string): Promise<NotesVersion> {
  const source = await readFile(changedFile(ws), 'utf8');
  return { source, tag, imageId: (await docker.getImage(tag).inspect()).Id };
}

/** Version 0 and `changes` one-line changes, built; leaves the sources at version 0. */
export async function buildNotesVersions(
  ws: Workspace,
  changes: number,
  log: (text: string) => void,
): Promise<NotesVersion[]> {
  const first = ws.images.get('notes');
  if (!first) throw new Error('the workspace has no notes image');
  const versions = [await current(ws, first)];
  for (let k = 1; k <= changes; k++) {
    log(`one-line change ${k}/${changes}: building notes (not timed)…`);
    const before = await notesTags(ws);
    await makeOneLineChange(ws);
    const fresh = [...(await notesTags(ws))].filter((t) => !before.has(t));
    if (fresh.length !== 1)
      throw new Error(`expected one new notes image after change ${k}, found ${fresh.join(', ')}`);
    versions.push(await current(ws, fresh[0] ?? ''));
  }
  await useVersion(ws, versions[0]);
  return versions;
}

/** Put a version's sources in place (notesctl deploys what its build context holds). */
export async function useVersion(ws: Workspace, version: NotesVersion | undefined): Promise<void> {
  if (!version) throw new Error('no such notes version');
  await writeFile(changedFile(ws), version.source);
}
