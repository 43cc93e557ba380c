/**
 * A project's release history on a cluster (issues 19 and 20): the same JSON file as on one host,
 * kept in a Swarm config so that every manager — and every operator — reads the same history.
 * Configs are immutable: each release writes the next version (`notesctl-releases-<project>-<n>`)
 * and removes the older ones. Not labelled with the project, so `down` keeps it; `down --volumes`
 * forgets it, as on one host.
 */
import type { Engine } from '../../engine/engine.ts';
import {
  createObject,
  listObjects,
  readConfig,
  removeObject,
} from '../../engine/swarm-services.ts';
import { formatHistory, parseHistory, type Release } from '../../releases/history.ts';

/** Label naming the project whose history a config holds (its value: the project). */
const RELEASES_LABEL = 'io.notesctl.releases';
/** Label holding the version number of a history config. */
const VERSION_LABEL = 'io.notesctl.releases-version';

async function versions(manager: Engine, project: string) {
  const list = await listObjects(manager, 'configs', { [RELEASES_LABEL]: project });
  return list
    .map((c) => ({ ...c, version: Number(c.labels[VERSION_LABEL] ?? 0) }))
    .sort((a, b) => a.version - b.version);
}

/** The project's releases on the cluster, oldest first. */
export async function readSwarmHistory(manager: Engine, project: string): Promise<Release[]> {
  const latest = (await versions(manager, project)).at(-1);
  if (!latest) return [];
  return parseHistory((await readConfig(manager, latest.id)).toString('utf8'));
}

/** Write `releases` as the next version of the history, then remove the older versions. */
export async function writeSwarmHistory(
  manager: Engine,
  project: string,
  releases: Release[],
): Promise<void> {
  const old = await versions(manager, project);
  const version = (old.at(-1)?.version ?? 0) + 1;
  await createObject(manager, 'configs', {
    name: `notesctl-releases-${project}-${version}`,
    labels: { [RELEASES_LABEL]: project, [VERSION_LABEL]: String(version) },
    data: Buffer.from(formatHistory(releases)),
  });
  await Promise.all(old.map((c) => removeObject(manager, 'configs', c.id, c.name)));
}

/** Remove every version of the project's history. */
export async function removeSwarmHistory(manager: Engine, project: string): Promise<void> {
  const old = await versions(manager, project);
  await Promise.all(old.map((c) => removeObject(manager, 'configs', c.id, c.name)));
}
