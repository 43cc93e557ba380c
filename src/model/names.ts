/**
 * Names and labels of everything notesctl creates. Resources are *found* by label, never by
 * name; names only need to be unique and readable (`docker ps`).
 */

/** Names of services, networks, volumes, secrets and hosts: safe in paths, shells and DNS. */
export const RESOURCE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

/** Label keys. */
export const LABEL = {
  project: 'io.notesctl.project',
  service: 'io.notesctl.service',
  configHash: 'io.notesctl.config-hash',
  network: 'io.notesctl.network',
  volume: 'io.notesctl.volume',
  contextDigest: 'io.notesctl.context-digest',
  version: 'io.notesctl.version',
} as const;

/** Name of a service's container: includes the config hash so a new one can be created beside the old. */
export function containerName(project: string, service: string, configHash: string): string {
  return `${project}-${service}-${configHash.slice(0, 8)}`;
}

/** Engine-side name of a topology network. */
export function networkName(project: string, network: string): string {
  return `${project}_${network}`;
}

/** Engine-side name of a topology volume. */
export function volumeName(project: string, volume: string): string {
  return `${project}_${volume}`;
}

/** Repository (without tag) of a service's built image. */
export function imageRepository(project: string, service: string): string {
  return `notesctl-${project}/${service}`;
}

/** Labels that select one project's resources. */
export function projectSelector(project: string): Record<string, string> {
  return { [LABEL.project]: project };
}
