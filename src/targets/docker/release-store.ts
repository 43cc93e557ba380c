/**
 * Where the Docker target keeps a project's release history: a file in a volume of its own on
 * the host, `notesctl-<project>-releases`, held by a container that never runs. Docker copies
 * files in and out of a stopped container (the archive API), so reading and writing the history
 * is one call each and needs no running process. The holder's image is the empty one the deploy
 * lock uses too (created-only.ts), shared by every project on the host.
 */
import type { Engine } from '../../engine/engine.ts';
import { EngineError } from '../../errors.ts';
import { LABEL } from '../../model/names.ts';
import { formatHistory, parseHistory, type Release } from '../../releases/history.ts';
import { createdOnlySpec, createFromEmptyImage, EMPTY_IMAGE } from './created-only.ts';

/** Label that marks a project's release holder (and its volume) with the project's name. */
export const RELEASES_LABEL = 'io.notesctl.releases';
const FOLDER = '/releases';
const FILE = 'history.json';

/** Name of a project's release holder container and of its volume. */
export function holderName(project: string): string {
  return `notesctl-${project}-releases`;
}

/** The project's release history on the engine's host (empty when none was recorded). */
export async function readHistory(engine: Engine, project: string): Promise<Release[]> {
  return (await openHistory(engine, project)).releases;
}

/**
 * The history and a way to replace it, with one look for its holder: the replacement goes into
 * the holder found (or, when there was none, a new one).
 */
export async function openHistory(
  engine: Engine,
  project: string,
): Promise<{ releases: Release[]; write: (next: Release[]) => Promise<void> }> {
  const found = await findHolder(engine, project);
  const releases = found ? await readFrom(engine, project, found) : [];
  const write = async (next: Release[]) => {
    const holder = found ?? (await createHolder(engine, project));
    const content = Buffer.from(formatHistory(next));
    await engine.putFiles(holder, FOLDER, [{ name: FILE, content, mode: 0o600, uid: 0, gid: 0 }]);
  };
  return { releases, write };
}

async function readFrom(engine: Engine, project: string, holder: string): Promise<Release[]> {
  const content = await engine.readFile(holder, `${FOLDER}/${FILE}`);
  try {
    return parseHistory(content?.toString('utf8'));
  } catch (error) {
    throw new EngineError(
      { host: engine.hostName, operation: 'read release history', resource: holderName(project) },
      error instanceof Error ? error.message : String(error),
      {
        hint: `Remove the holder to start a new history: docker rm -v ${holderName(project)} (the images stay).`,
      },
    );
  }
}

/** Remove the project's release holder and its volume (`down --volumes`). */
export async function removeHistory(engine: Engine, project: string): Promise<void> {
  const holder = await findHolder(engine, project);
  if (holder) await engine.removeContainer(holder, { force: true });
  const volumes = await engine.listVolumes({ [RELEASES_LABEL]: project });
  for (const v of volumes) await engine.removeVolume(v.name);
}

async function findHolder(engine: Engine, project: string): Promise<string | undefined> {
  const [holder] = await engine.listContainers({ [RELEASES_LABEL]: project });
  return holder?.id;
}

async function createHolder(engine: Engine, project: string): Promise<string> {
  const name = holderName(project);
  const labels = { [RELEASES_LABEL]: project };
  await engine.createVolume({ name, labels });
  const spec = createdOnlySpec({
    name,
    image: EMPTY_IMAGE,
    // listContainers finds only containers notesctl created: those carry a config hash.
    labels: { ...labels, [LABEL.configHash]: 'release-holder' },
    // Never run: the image has no files at all. A command is required to create a container.
    cmd: ['/never-started'],
    mounts: [{ volume: name, target: FOLDER, readOnly: false }],
  });
  return createFromEmptyImage(engine, spec);
}
