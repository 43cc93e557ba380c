/**
 * The bash scripts the pm2 target runs on a plain server (issue 21), as text, beside the ones it
 * shares with the systemd target (Node, releases, MariaDB, /etc/hosts, credentials). No script
 * holds a secret: those arrive on stdin.
 */
import { nodeDir, OPT, userName } from '../systemd/names.ts';
import { shellQuote as q } from '../systemd/quote.ts';
import { pruneReleases, receiveCredentials, switchRelease, writeFile } from '../systemd/scripts.ts';
import {
  appName,
  ecosystemFile,
  logDir,
  PM2,
  PM2_CURRENT,
  PM2_HOME,
  PM2_SETUP_MARKER,
  PM2_UNIT,
  pm2Dir,
} from './names.ts';

const STRICT = 'set -euo pipefail';
/** The newest Node notesctl installed (for the small JSON readers run on the server). */
const NEWEST_NODE = `"$(ls -1d ${OPT}/node/*/bin/node | sort -V | tail -n 1)"`;

/** The `pm2` wrapper: the current bundle's PM2 on Node `node`, root's PM2 home, no banner or phoning home. */
export function pm2Wrapper(node: string): string {
  return [
    '#!/bin/sh',
    '# Written by notesctl (runtime: pm2): the pinned PM2 on the Node notesctl installed.',
    // PM2 copies its caller's environment into every app it starts: give it a clean one.
    `exec env -i HOME=/root LANG=C.UTF-8 PM2_HOME=${PM2_HOME} PM2_DISCRETE_MODE=true PM2_DISABLE_VERSION_CHECK=true \\`,
    `  PATH=${nodeDir(node)}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\`,
    `  ${nodeDir(node)}/bin/node ${PM2_CURRENT}/node_modules/pm2/bin/pm2 "$@"`,
    '',
  ].join('\n');
}

/** Added to the unit `pm2 startup` writes: the same quiet PM2, started after MariaDB at boot. */
export const PM2_UNIT_DROP_IN = `# Written by notesctl (runtime: pm2).
[Unit]
After=mariadb.service network-online.target
Wants=network-online.target

[Service]
Environment=PM2_DISCRETE_MODE=true PM2_DISABLE_VERSION_CHECK=true
`;

/**
 * Log rotation of every project's PM2 logs. copytruncate: the workers dropped root before they
 * could reopen a root-owned log file, so `pm2 reloadLogs` after a move would fail.
 */
export const PM2_LOGROTATE = `# Written by notesctl (runtime: pm2).
/var/log/notesctl/*/*.log {
  daily
  maxsize 10M
  rotate 7
  compress
  delaycompress
  missingok
  notifempty
  copytruncate
}
`;

/**
 * Install PM2 (the bundle on stdin), its wrapper, start at boot (`pm2 startup systemd` and a
 * drop-in), log rotation; then run PM2's daemon under systemd (restarted when PM2 or Node
 * changed: its apps come back from the last `pm2 save`). Records `digest`.
 */
export function pm2SetupScript(bundle: string, node: string, digest: string): string {
  const dir = pm2Dir(bundle);
  return [
    `# stdin: PM2 bundle ${bundle} (.tar.gz)`,
    STRICT,
    `mkdir -p ${q(`${OPT}/pm2`)} ${q(`${OPT}/bin`)}`,
    `tmp=$(mktemp -d ${q(`${dir}.XXXXXX`)})`,
    `trap 'rm -rf "$tmp"' EXIT`,
    `tar -xz -C "$tmp" --no-same-owner --no-same-permissions`,
    `chmod -R u+rwX,go+rX,go-w "$tmp"`,
    `rm -rf ${q(dir)} && mv -T "$tmp" ${q(dir)}`,
    `trap - EXIT`,
    `ln -sfn ${q(bundle)} ${q(`${PM2_CURRENT}.new`)} && mv -T ${q(`${PM2_CURRENT}.new`)} ${q(PM2_CURRENT)}`,
    writeFile(PM2, pm2Wrapper(node), '0755'),
    `${PM2} startup systemd -u root --hp /root >/dev/null`,
    `mkdir -p /etc/systemd/system/${PM2_UNIT}.d`,
    writeFile(`/etc/systemd/system/${PM2_UNIT}.d/notesctl.conf`, PM2_UNIT_DROP_IN, '0644'),
    'if ! command -v logrotate >/dev/null; then',
    '  export DEBIAN_FRONTEND=noninteractive',
    '  apt-get update -qq && apt-get install -y -qq --no-install-recommends logrotate >/dev/null',
    'fi',
    writeFile('/etc/logrotate.d/notesctl-pm2', PM2_LOGROTATE, '0644'),
    'systemctl daemon-reload',
    `systemctl enable --quiet ${PM2_UNIT}`,
    `if systemctl is-active --quiet ${PM2_UNIT}; then ${PM2} save --force >/dev/null; fi`,
    `systemctl restart ${PM2_UNIT}`,
    // Bundles no daemon runs any more.
    `find ${q(`${OPT}/pm2`)} -mindepth 1 -maxdepth 1 -type d ! -name ${q(bundle)} ! -name current -exec rm -rf {} +`,
    `echo ${q(digest)} > ${q(PM2_SETUP_MARKER)}`,
  ].join('\n');
}

/** Where a service's shape (what a reload cannot change) was recorded. */
export function shapeFile(project: string, service: string): string {
  return ecosystemFile(project, service).replace(/\.config\.json$/, '.shape');
}

/**
 * Deploy a service as a PM2 app: its own system user, its secret files (a tar on stdin, only
 * that user can read them), its ecosystem file, `current` switched; then `pm2 reload` (new
 * workers beside the old, zero downtime) when the app runs in the same shape, else delete and
 * start; `pm2 save` for the next boot.
 */
export function pm2DeployScript(options: {
  project: string;
  service: string;
  release: string;
  ecosystem: string;
  shape: string;
  reload: boolean;
}): string {
  const { project, service, release } = options;
  const user = userName(project, service);
  const file = ecosystemFile(project, service);
  const name = appName(project, service);
  return [
    `# stdin: the secret files of ${service} (tar)`,
    STRICT,
    `id -u ${q(user)} >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin ${q(user)}`,
    receiveCredentials(project, service, user),
    `mkdir -p ${q(file.slice(0, file.lastIndexOf('/')))}`,
    // Logs are root's to read (as the journal is for systemd units).
    `install -d -m 0700 ${q(logDir(project))}`,
    writeFile(file, options.ecosystem, '0644'),
    switchRelease(project, service, release),
    options.reload
      ? `${PM2} startOrReload ${q(file)} >/dev/null`
      : `{ ${PM2} delete ${q(name)} >/dev/null 2>&1 || true; } && ${PM2} start ${q(file)} >/dev/null`,
    `echo ${q(options.shape)} > ${q(shapeFile(project, service))}`,
    `${PM2} save --force >/dev/null`,
    pruneReleases(project, service, release),
  ].join('\n');
}

/** Stop and remove a service's PM2 app, its files and its user (releases stay). */
export function pm2RemoveScript(project: string, service: string, name: string): string {
  return [
    STRICT,
    `${PM2} delete ${q(name)} >/dev/null 2>&1 || true`,
    `${PM2} save --force >/dev/null`,
    `rm -f ${q(ecosystemFile(project, service))} ${q(shapeFile(project, service))}`,
    `rm -rf ${q(`/etc/notesctl/${project}/credentials/${service}`)}`,
    `userdel ${q(userName(project, service))} 2>/dev/null || true`,
  ].join('\n');
}

/**
 * A command printing a PM2 app's state for readinessScript(): `active` when every instance is
 * online, `failed` when one errored (PM2 gave up restarting it), else its statuses.
 */
export function pm2StateCommand(name: string): string {
  const parse = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{let l=[];try{l=JSON.parse(s.slice(s.indexOf('[')))}catch{}const m=l.filter(p=>p.name===process.argv[1]).map(p=>p.pm2_env.status);console.log(m.length&&m.every(x=>x==='online')?'active':m.includes('errored')?'failed':m.join(',')||'absent')})`;
  return `${PM2} jlist 2>/dev/null | ${NEWEST_NODE} -e ${q(parse)} ${q(name)}`;
}

/**
 * Run `argv` as the service's workers do: as its user (no other groups, no new privileges), in
 * its current release, with the environment of its ecosystem file (read on the server by
 * notesctl's newest Node; it holds no secret, only their paths).
 */
export function inAppScript(
  project: string,
  service: string,
  argv: string[],
  options: { exec: boolean },
): string {
  const user = userName(project, service);
  const read = `const a=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')).apps[0];for(const[k,v]of Object.entries(a.env))process.stdout.write(k+'='+v+'\\0')`;
  return [
    `readarray -d '' envs < <(${NEWEST_NODE} -e ${q(read)} ${q(ecosystemFile(project, service))})`,
    `${options.exec ? 'exec ' : ''}setpriv --reuid=${q(user)} --regid=${q(user)} --clear-groups --no-new-privs env -i -C ${q(`${OPT}/${project}/${service}/current`)} "\${envs[@]}" ${argv.map(q).join(' ')}`,
  ].join('\n');
}
