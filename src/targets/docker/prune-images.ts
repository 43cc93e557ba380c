/**
 * After a release is recorded: remove the images of `build:` services that an earlier release
 * ran but none of the last `keep` releases did, so a host does not fill up with every build ever
 * shipped, while a rollback to any kept release finds its image. Images no release ran (built
 * ahead with `notesctl build`) stay, and so do those of `image:` services, which are the user's
 * (a pulled `mariadb:10.11`).
 */
import type { Engine } from '../../engine/engine.ts';
import { EngineError } from '../../errors.ts';
import { imageRepository } from '../../model/names.ts';
import type { Topology } from '../../model/topology.ts';
import { imagesToRemove, type Release } from '../../releases/history.ts';

/** Remove the built images only releases beyond the kept ones ran; resolves to the tags removed. */
export async function pruneReleaseImages(
  engine: Engine,
  topology: Topology,
  history: Release[],
  keep: number,
): Promise<string[]> {
  const built = Object.values(topology.services).filter((s) => s.image.kind === 'build');
  if (built.length === 0) return [];
  const images = await engine.listImages();
  const removed: string[] = [];
  for (const service of built) {
    const repository = `${imageRepository(topology.project, service.name)}:`;
    const old = imagesToRemove(history, service.name, keep);
    for (const image of images) {
      if (!old.has(image.id)) continue;
      for (const tag of image.tags.filter((t) => t.startsWith(repository))) {
        if (await removeUnlessUsed(engine, tag)) removed.push(tag);
      }
    }
  }
  return removed;
}

/** Remove a tag; an image a container still uses (409) stays. */
async function removeUnlessUsed(engine: Engine, tag: string): Promise<boolean> {
  try {
    await engine.removeImage(tag);
    return true;
  } catch (error) {
    if (error instanceof EngineError && error.statusCode === 409) return false;
    throw error;
  }
}
