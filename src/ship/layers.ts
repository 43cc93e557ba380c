/**
 * Layer identity across engines. Docker's `load` skips reading a layer file when a layer with
 * the same *chain ID* already exists on the engine (moby image/tarexport/load.go), so the chain
 * IDs present on the target tell exactly which layer files need not be sent.
 */
import { createHash } from 'node:crypto';
import type { Engine } from '../engine/engine.ts';

/** Chain IDs of a layer stack: chain(1) = diff(1); chain(n) = sha256(chain(n-1) + " " + diff(n)). */
export function chainIds(diffIds: string[]): string[] {
  const result: string[] = [];
  let previous: string | undefined;
  for (const diff of diffIds) {
    const chain =
      previous === undefined
        ? diff
        : `sha256:${createHash('sha256').update(`${previous} ${diff}`).digest('hex')}`;
    result.push(chain);
    previous = chain;
  }
  return result;
}

/** Every chain ID the target engine already holds (from all its images, inspected in parallel). */
export async function chainIdsOn(engine: Engine): Promise<Set<string>> {
  const images = await engine.listImages();
  const inspected = await Promise.all(images.map((image) => engine.inspectImage(image.id)));
  const present = new Set<string>();
  for (const image of inspected) {
    if (!image) continue;
    for (const chain of chainIds(image.layers)) present.add(chain);
  }
  return present;
}
