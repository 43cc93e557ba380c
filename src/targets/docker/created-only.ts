/**
 * Containers notesctl creates and never starts, to hold something on the host: the deploy lock
 * (issue 23), the release history (issue 19), a volume being copied (backups). Docker creates a
 * container name exactly once and copies files in and out of a stopped container, which is all
 * they need. The lock and the history share one empty image, imported on first use (nothing to
 * pull, 0 bytes).
 */
import type { ContainerSpec, Engine, Labels } from '../../engine/engine.ts';
import { isNotFound } from '../../engine/wrap-error.ts';

/** The empty image of holder containers. */
export const EMPTY_IMAGE = 'notesctl/empty:1';

/** An empty tar archive: two zero blocks. */
const EMPTY_TAR = Buffer.alloc(1024);

/** What a created-only container is made of; everything else is fixed. */
export interface CreatedOnly {
  name: string;
  image: string;
  labels: Labels;
  /** Required to create a container; never run. */
  cmd: string[];
  mounts?: ContainerSpec['mounts'];
}

/** The spec of a container that is created and never started: no network use, no restart. */
export function createdOnlySpec({
  name,
  image,
  labels,
  cmd,
  mounts = [],
}: CreatedOnly): ContainerSpec {
  return {
    name,
    image,
    labels,
    env: [],
    cmd,
    entrypoint: undefined,
    user: undefined,
    exposedPorts: [],
    portBindings: [],
    mounts,
    restart: { name: 'no', maximumRetryCount: 0 },
    healthcheck: undefined,
    stopTimeoutS: 1,
    network: undefined,
    securityOpt: ['no-new-privileges'],
    init: false,
  };
}

/** Create `spec` from the empty image, importing the image first if the host lacks it. */
export async function createFromEmptyImage(engine: Engine, spec: ContainerSpec): Promise<string> {
  try {
    return await engine.createContainer(spec);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await engine.importImage(EMPTY_TAR, EMPTY_IMAGE, { 'io.notesctl.empty': 'image' });
    return engine.createContainer(spec);
  }
}
