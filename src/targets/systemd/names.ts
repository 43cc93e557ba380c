/**
 * Where the systemd target keeps things on a plain server (issue 21): one folder per project
 * under /opt/notesctl (releases), /etc/notesctl (env files, credentials, database markers),
 * one unit per service, Node under /opt/notesctl/node/<version>.
 */
import { createHash } from 'node:crypto';

/** Root of everything notesctl installs on a plain server. */
export const OPT = '/opt/notesctl';
/** Configuration notesctl writes on a plain server (root-only where it holds secrets). */
export const ETC = '/etc/notesctl';
/** Where unit files go (the administrator's unit folder, read at boot). */
export const UNIT_DIR = '/etc/systemd/system';
/** Where a service's release appears inside its own mount namespace (the image's WORKDIR). */
export const APP_DIR = '/app';

/** The unit of a `build:` service. */
export function unitName(project: string, service: string): string {
  return `notesctl-${project}-${service}.service`;
}

/** Prefix shared by every unit of a project (to find them without a label). */
export function unitPrefix(project: string): string {
  return `notesctl-${project}-`;
}

/** The folder of one service's releases and its `current` link. */
export function serviceDir(project: string, service: string): string {
  return `${OPT}/${project}/${service}`;
}

/** The env file of a service (no secrets). */
export function envFile(project: string, service: string): string {
  return `${ETC}/${project}/${service}.env`;
}

/** The folder of a service's credential files (root, 0700; files 0600). */
export function credentialsDir(project: string, service: string): string {
  return `${ETC}/${project}/credentials/${service}`;
}

/** The marker of a database service's set-up (its hash). */
export function databaseMarker(project: string, service: string): string {
  return `${ETC}/${project}/databases/${service}.hash`;
}

/** Where a Node.js version is installed. */
export function nodeDir(version: string): string {
  return `${OPT}/node/${version}`;
}

/**
 * The dynamic user a service runs as: its unit's name when short enough (systemd allows 31
 * characters), else a prefix and a hash of it.
 */
export function userName(project: string, service: string): string {
  const name = `nc-${project}-${service}`;
  if (name.length <= 31) return name;
  return `nc-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
}
