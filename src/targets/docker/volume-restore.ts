/**
 * Putting a volume backup back (issue 23): the tar made by volume-archive.ts replaces a named
 * volume's content. The project's containers that mount the volume are stopped first (a volume
 * replaced under a running process leaves it holding files that are gone), then a helper
 * container from one of their images, running as root with the volume mounted, empties the
 * volume (the engine's archive API can add files, never delete them), and the tar is extracted
 * into it through that helper (PUT archive: owners and modes as the tar gives them). Whatever
 * happens after the stop, the containers stopped are started again and the helper removed.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { EventSink } from '../../apply/events.ts';
import type { ContainerSpec, ContainerSummary, Engine } from '../../engine/engine.ts';
import { RuntimeError } from '../../errors.ts';
import { LABEL, volumeName } from '../../model/names.ts';
import type { Topology } from '../../model/topology.ts';
import { createdOnlySpec } from './created-only.ts';
import { VOLUME_MOUNT } from './volume-archive.ts';

/**
 * Empties the folder it runs in, hidden entries included, with nothing but a POSIX shell and
 * `rm` (busybox or coreutils): a mount point cannot itself be removed.
 */
const EMPTY_SCRIPT = `cd ${VOLUME_MOUNT} && for f in * .[!.]* ..?*; do if [ -e "$f" ] || [ -L "$f" ]; then rm -rf -- "$f" || exit 1; fi; done`;

/** What a volume restore did. */
export interface VolumeRestore {
  /** Services whose containers were stopped for it and started again. */
  stopped: string[];
}

/** Replace topology volume `volume`'s files with the tar `archive` (entries under `volume/`). */
export async function restoreVolume(
  engine: Engine,
  topology: Topology,
  volume: string,
  archive: Readable,
  onEvent: EventSink,
): Promise<VolumeRestore> {
  const { project } = topology;
  const name = volumeName(project, volume);
  const found = await engine.listVolumes({ [LABEL.project]: project, [LABEL.volume]: volume });
  if (!found.some((v) => v.name === name)) {
    throw new RuntimeError(`volume ${volume} (${name}) does not exist on ${engine.hostName}`, {
      hint: 'Create it with `notesctl up`, then restore into it.',
    });
  }
  const users = Object.values(topology.services).filter((s) =>
    s.volumes.some((m) => m.volume === volume),
  );
  const containers = (await engine.listContainers({ [LABEL.project]: project })).filter((c) =>
    users.some((s) => s.name === c.labels[LABEL.service]),
  );
  const image = containers[0]?.imageId;
  if (image === undefined) {
    throw new RuntimeError(
      `no container of project ${project} mounts volume ${volume} on ${engine.hostName}`,
      {
        hint: 'Deploy the services that use it with `notesctl up`, then restore.',
      },
    );
  }
  const running = containers.filter((c) => c.state === 'running' || c.state === 'paused');
  const stopped: ContainerSummary[] = [];
  const step = async <T>(id: string, text: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    onEvent({ type: 'op-start', id, service: undefined, text });
    try {
      const result = await work();
      onEvent({ type: 'op-done', id, text, ms: Date.now() - started });
      return result;
    } catch (error) {
      onEvent({ type: 'op-failed', id, text, error: (error as Error).message });
      throw error;
    }
  };
  let helper: string | undefined;
  try {
    // All at once: each may take its whole grace period.
    await Promise.all(
      running.map(async (c) => {
        const service = c.labels[LABEL.service] ?? c.name;
        const grace = topology.services[service]?.stopGracePeriodMs ?? 10_000;
        await step(`stop:${c.id}`, `stop ${c.name} (${service}: it mounts ${volume})`, async () => {
          // A paused container (a backup killed mid-copy) is thawed first: the engine stops
          // only running ones.
          if (c.state === 'paused') await engine.setPaused(c.id, false);
          await engine.stopContainer(c.id, Math.ceil(grace / 1000));
        });
        stopped.push(c);
      }),
    );
    helper = await engine.createContainer(helperSpec(project, volume, name, image));
    const id = helper;
    await step(`empty:${volume}`, `empty volume ${volume} on ${engine.hostName}`, async () => {
      await engine.startContainer(id);
      const code = await engine.waitContainer(id);
      if (code !== 0) {
        throw new RuntimeError(
          `emptying volume ${volume} in a helper from image ${image.slice(0, 19)} failed (exit code ${code})`,
          { hint: 'The helper needs /bin/sh and rm in the image of a service that mounts it.' },
        );
      }
    });
    await step(`extract:${volume}`, `extract the backup into volume ${volume}`, () =>
      engine.putArchive(id, '/', archive),
    );
  } finally {
    if (helper !== undefined)
      await engine.removeContainer(helper, { force: true }).catch(() => undefined);
    for (const c of stopped) {
      await step(`start:${c.id}`, `start ${c.name} again`, () => engine.startContainer(c.id));
    }
  }
  return { stopped: [...new Set(stopped.map((c) => c.labels[LABEL.service] ?? c.name))].sort() };
}

/** The helper: the service's image, root, the volume writable, no restart; run once. */
function helperSpec(project: string, volume: string, name: string, image: string): ContainerSpec {
  return {
    ...createdOnlySpec({
      name: `${project}-restore-${volume}-${randomBytes(3).toString('hex')}`,
      image,
      labels: { [LABEL.project]: project, [LABEL.volume]: volume },
      cmd: ['-c', EMPTY_SCRIPT],
      mounts: [{ volume: name, target: VOLUME_MOUNT, readOnly: false }],
    }),
    entrypoint: ['/bin/sh'],
    user: '0',
  };
}
