/**
 * Where the pm2 target keeps things on a plain server (issue 21), besides what it shares with
 * the systemd target (releases under /opt/notesctl/PROJECT, settings under /etc/notesctl/PROJECT,
 * Node under /opt/notesctl/node): PM2 itself, its wrapper, the ecosystem files and the logs.
 */
import { ETC, OPT } from '../systemd/names.ts';

/** Where PM2 bundles are unpacked (`/opt/notesctl/pm2/<bundle id>`). */
export function pm2Dir(bundle: string): string {
  return `${OPT}/pm2/${bundle}`;
}

/**
 * The bundle in use: a link switched by the set-up step, so the ecosystem files and PM2's dump
 * (its apps at boot) name one launcher path across PM2 upgrades.
 */
export const PM2_CURRENT = `${OPT}/pm2/current`;

/** The `pm2` every script (and the administrator) runs: the pinned PM2 on notesctl's Node. */
export const PM2 = `${OPT}/bin/pm2`;

/** PM2's home as root uses it (`pm2 ls` as root shows notesctl's apps). */
export const PM2_HOME = '/root/.pm2';

/** The unit `pm2 startup systemd` writes for root. */
export const PM2_UNIT = 'pm2-root.service';

/** The digest of PM2's set-up (bundle, Node, wrapper, boot unit, log rotation) as last applied. */
export const PM2_SETUP_MARKER = `${OPT}/pm2/setup.hash`;

/** A service's PM2 app name. */
export function appName(project: string, service: string): string {
  return `notesctl-${project}-${service}`;
}

/** Prefix of every PM2 app of a project. */
export function appPrefix(project: string): string {
  return `notesctl-${project}-`;
}

/** A service's ecosystem file (JSON; no secrets). */
export function ecosystemFile(project: string, service: string): string {
  return `${ETC}/${project}/pm2/${service}.config.json`;
}

/** The folder of a project's PM2 logs (rotated by logrotate). */
export function logDir(project: string): string {
  return `/var/log/notesctl/${project}`;
}
