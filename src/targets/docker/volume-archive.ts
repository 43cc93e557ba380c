/**
 * A named volume's files as a tar stream (issue 23, backups of volumes other than databases').
 * The copy is read from a helper container that is created — never started — with the volume
 * mounted read-only: the engine serves GET archive from a created container's mounts, so no
 * process, shell or tar is needed in any image. Meanwhile every running container of the
 * project that mounts the volume is *paused* (frozen, not stopped: its connections and memory
 * stay, and it resumes where it was), because a copy of files being written is torn. Whatever
 * happens, the helper is removed and the paused containers are thawed — and if notesctl is
 * killed meanwhile, the helper is the record of what it paused (backup-holds.ts).
 */
import type { Writable } from 'node:stream';
import type { EventSink } from '../../apply/events.ts';
import { leaseMs } from '../../apply/host-lock.ts';
import { pipeline } from 'node:stream/promises';
import type { ContainerSpec, Engine } from '../../engine/engine.ts';
import { RuntimeError } from '../../errors.ts';
import { LABEL, volumeName } from '../../model/names.ts';
import type { Topology } from '../../model/topology.ts';
import {
  HOLD_LABEL,
  holdName,
  holdOwner,
  renewHold,
  thawKilledBackups,
  type HoldOwner,
} from './backup-holds.ts';
import { createdOnlySpec } from './created-only.ts';

/** Where the helper mounts the volume; the archive's entries start with this folder's name. */
export const VOLUME_MOUNT = '/volume';

/** Stream a tar of topology volume `volume` into `out`; the services paused meanwhile. */
export async function archiveVolume(
  engine: Engine,
  topology: Topology,
  volume: string,
  out: Writable,
  onEvent: EventSink = () => undefined,
): Promise<{ paused: string[] }> {
  const { project } = topology;
  const name = volumeName(project, volume);
  const found = await engine.listVolumes({ [LABEL.project]: project, [LABEL.volume]: volume });
  if (!found.some((v) => v.name === name)) {
    throw new RuntimeError(`volume ${volume} (${name}) does not exist on ${engine.hostName}`, {
      hint: 'Nothing to back up: `notesctl up` creates it.',
    });
  }
  // What a killed backup of this volume left paused is thawed first; a live copy is not paused
  // again under it.
  const lease = leaseMs();
  const [live] = await thawKilledBackups(engine, topology, onEvent, {
    leaseMs: lease,
    volumes: [volume],
  });
  if (live) {
    const who = live.owner
      ? `\`${live.owner.command}\` (${live.owner.user} on ${live.owner.machine}, pid ${live.owner.pid}, since ${live.owner.since})`
      : 'another backup';
    throw new RuntimeError(`volume ${volume} on ${engine.hostName} is being copied by ${who}`, {
      hint: 'Wait for it to finish, then back up again.',
    });
  }
  const users = Object.values(topology.services)
    .filter((s) => s.volumes.some((m) => m.volume === volume))
    .map((s) => s.name);
  const containers = (await engine.listContainers({ [LABEL.project]: project })).filter((c) =>
    users.includes(c.labels[LABEL.service] ?? ''),
  );
  const image = containers[0]?.imageId ?? (await engine.listImages())[0]?.id;
  if (image === undefined) {
    throw new RuntimeError(`no image on ${engine.hostName} to create a helper container from`);
  }
  const running = containers.filter((c) => c.state === 'running');
  // Recorded in the helper before anything is paused, with a lease renewed while it copies.
  const now = await engine.systemTime();
  const owner = holdOwner(
    running.map((c) => ({ id: c.id, name: c.name })),
    now,
  );
  const helper = await engine.createContainer(helperSpec(project, volume, name, image, owner));
  const stopRenewing = renewHold(engine, helper, now.getTime() - Date.now(), lease);
  const paused: string[] = [];
  try {
    for (const c of running) {
      await engine.setPaused(c.id, true);
      paused.push(c.labels[LABEL.service] ?? c.name);
    }
    await pipeline(await engine.readArchive(helper, VOLUME_MOUNT), out);
    return { paused };
  } finally {
    stopRenewing();
    const thawed = running.filter((c) => paused.includes(c.labels[LABEL.service] ?? c.name));
    await Promise.allSettled(thawed.map((c) => engine.setPaused(c.id, false)));
    await engine.removeContainer(helper, { force: true }).catch(() => undefined);
  }
}

/** The helper: created only (never started), the volume read-only, no network, labelled. */
function helperSpec(
  project: string,
  volume: string,
  name: string,
  image: string,
  owner: HoldOwner,
): ContainerSpec {
  return createdOnlySpec({
    name: holdName(project, volume),
    image,
    labels: {
      [LABEL.project]: project,
      [LABEL.volume]: volume,
      [HOLD_LABEL]: JSON.stringify(owner),
    },
    cmd: ['true'],
    mounts: [{ volume: name, target: VOLUME_MOUNT, readOnly: true }],
  });
}
