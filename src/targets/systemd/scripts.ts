/**
 * The bash scripts the systemd target runs on a plain server, as text (issue 21; STYLE.md:
 * "functions that return argv/unit text, tested as text; one place that runs them"). No script
 * holds a secret: those arrive on stdin, which each script names in its first lines.
 */
import { DELTA_NAME as DELTA, MANIFEST_HEADER, MANIFEST_NAME as MANIFEST } from './manifest.ts';
import type { NodeArchive } from './node-dist.ts';
import { shellQuote as q } from './quote.ts';
import {
  credentialsDir,
  databaseMarker,
  ETC,
  envFile,
  nodeDir,
  OPT,
  serviceDir,
  UNIT_DIR,
} from './names.ts';

const STRICT = 'set -euo pipefail';
/** Releases kept per service besides the current one. */
export const RELEASES_KEPT = 5;

/** Marks of the managed block in /etc/hosts. */
export function hostsMarks(project: string): { begin: string; end: string } {
  return { begin: `# BEGIN notesctl ${project}`, end: `# END notesctl ${project}` };
}

/** Write `text` to `path` atomically (a temp file, then rename) with a quoted heredoc. */
export function writeFile(path: string, text: string, mode: string): string {
  const mark = 'NOTESCTL_EOF';
  if (text.includes(mark)) throw new Error(`bug: ${path} contains the heredoc mark`);
  return [
    `cat > ${q(`${path}.tmp`)} <<'${mark}'`,
    text.endsWith('\n') ? text.slice(0, -1) : text,
    mark,
    `chmod ${mode} ${q(`${path}.tmp`)}`,
    `mv -f ${q(`${path}.tmp`)} ${q(path)}`,
  ].join('\n');
}

/**
 * Install Node from the archive on stdin (the npm package or an official tarball), checked
 * against its digest before anything is unpacked; only its `bin/node` is kept.
 */
export function installNodeScript(archive: NodeArchive): string {
  const { version, algorithm, digest, member } = archive;
  const dir = nodeDir(version);
  const unpack = archive.compression === 'xz' ? '-xJf' : '-xzf';
  return [
    `# stdin: ${archive.name}`,
    STRICT,
    `mkdir -p ${q(`${OPT}/node`)}`,
    `tmp=$(mktemp -d ${q(`${dir}.XXXXXX`)})`,
    `trap 'rm -rf "$tmp"' EXIT`,
    `cat > "$tmp/archive"`,
    `echo ${q(`${digest}  `)}"$tmp/archive" | ${algorithm}sum --check --quiet --strict`,
    `tar ${unpack} "$tmp/archive" -C "$tmp" --strip-components=1 --no-same-owner ${q(member)}`,
    `rm "$tmp/archive"`,
    `test "$("$tmp/bin/node" --version)" = ${q(`v${version}`)}`,
    `chmod 0755 "$tmp" "$tmp/bin" "$tmp/bin/node"`,
    `rm -rf ${q(dir)} && mv -T "$tmp" ${q(dir)}`,
    `trap - EXIT`,
  ].join('\n');
}

/**
 * Install a release from the .tar.gz on stdin: the whole release after its manifest
 * (`.notesctl-files`, kept in the release folder), or a delta — the files the server lacks, the
 * symlinks, and `.notesctl-delta` naming the base release, the files to take from it at other
 * paths, and how to rebuild the new manifest from the base's (checked against its sha256).
 * Folders are made from the manifest; files the base has at the same path with the same sha256
 * and mode are hard-linked from it (copied when the releases are on different file systems).
 * Every entry and every file's sha256 is checked against the manifest before the folder gets
 * its name; a mismatch fails the step and `current` stays where it was. Files are root's,
 * read-only to services.
 *
 * Hard links between releases are safe because a release is never written once installed: the
 * systemd unit sees it read-only (BindReadOnlyPaths= under ProtectSystem=strict, no
 * ReadWritePaths= into it; unit.ts), PM2 workers run as a user owning none of it, and only root
 * writes here, through this script, into a folder no release has yet. Pruning an old release
 * removes its names, never the files a newer release links.
 */
export function shipReleaseScript(project: string, service: string, id: string): string {
  const dir = `${serviceDir(project, service)}/releases`;
  const delta = `"$tmp/${DELTA}"`;
  const listed = `awk -F'\\t' 'NR>1 {print ($1=="l" ? "l " $4 : $1 " " $2) "\\t" $5}' ${MANIFEST} | LC_ALL=C sort`;
  const found = `find . -mindepth 1 ! -path ./${MANIFEST} \\( -type l -printf 'l %l\\t%P\\n' -o -printf '%y %m\\t%P\\n' \\) | LC_ALL=C sort`;
  const rebuilt = `awk -F'\\t' 'FNR==NR { if ($1=="-") drop[$2]=1; else if ($1=="+") print substr($0, 3); next } FNR>1 && !($5 in drop)' ${delta} "$from/${MANIFEST}" | LC_ALL=C sort -t $'\\t' -k5,5`;
  const same = `awk -F'\\t' 'FNR==NR { if ($1=="f") had[$5]=$4 " " $2; next } FNR>1 && $1=="f" && had[$5]==$4 " " $2 {print $5}' ${MANIFEST} "$tmp/${MANIFEST}"`;
  return [
    `# stdin: release ${id} of ${service} (.tar.gz: its manifest and the whole release, or the files the server lacks)`,
    STRICT,
    `mkdir -p ${q(dir)}`,
    `tmp=$(mktemp -d ${q(`${dir}/.${id}.XXXXXX`)})`,
    `trap 'rm -rf "$tmp"' EXIT`,
    `tar -xz -C "$tmp" --no-same-owner --no-same-permissions --ignore-zeros`,
    `if [ -e ${delta} ]; then`,
    `  base=$(awk -F'\\t' '$1=="base" {print $2; exit}' ${delta})`,
    `  from=${q(dir)}/"$base"`,
    `  if [ -z "$base" ] || [ ! -f "$from/${MANIFEST}" ]; then echo "release $base of ${service}, which this one is sent against, is no longer on the server" >&2; exit 3; fi`,
    `  { echo ${q(MANIFEST_HEADER)}; ${rebuilt}; } > "$tmp/${MANIFEST}"`,
    `  if [ "$(sha256sum < "$tmp/${MANIFEST}")" != "$(awk -F'\\t' '$1=="manifest" {print $2; exit}' ${delta})  -" ]; then`,
    `    echo "the manifest of release ${id} of ${service}, rebuilt from release $base's, does not match its sha256" >&2; exit 3`,
    '  fi',
    `  (cd "$tmp" && awk -F'\\t' 'NR>1 && $1=="d" {print $5}' ${MANIFEST} | xargs -r -d '\\n' mkdir -p --)`,
    'fi',
    // Before any link exists: a chmod of a linked file would change the base release's too.
    `chmod -R u+rwX,go+rX,go-w "$tmp"`,
    `if [ -e ${delta} ]; then`,
    `  if ln "$from/${MANIFEST}" "$tmp/.notesctl-probe" 2>/dev/null; then take=(cp -l); else take=(cp -p); fi`,
    `  rm -f "$tmp/.notesctl-probe"`,
    `  (cd "$from" && ${same} | xargs -r -d '\\n' "\${take[@]}" --parents -t "$tmp" --)`,
    `  awk -F'\\t' '$1=="moved" {print $2 "\\t" $3}' ${delta} | while IFS=$'\\t' read -r a b; do "\${take[@]}" -- "$from/$a" "$tmp/$b"; done`,
    `  rm -f ${delta}`,
    'fi',
    'cd "$tmp"',
    `if [ ! -f ${MANIFEST} ]; then echo ${q(`release ${id} of ${service} arrived without its manifest`)} >&2; exit 3; fi`,
    `if [ "$(${listed})" != "$(${found})" ]; then`,
    `  echo ${q(`release ${id} of ${service} does not match its manifest (listed <, found >):`)} >&2`,
    `  LC_ALL=C comm -3 <(${listed}) <(${found}) | head -n 5 | sed 's/^\\t/> /; t; s/^/< /' >&2; exit 3`,
    'fi',
    `awk -F'\\t' 'NR>1 && $1=="f" {print $4 "  " $5}' ${MANIFEST} | sha256sum --check --quiet --strict >&2`,
    'cd /',
    // The archive is reproducible (every time 0), and tar gives its folder that time: the time it
    // arrived is what pruning (ls -t) sorts by.
    `touch "$tmp"`,
    `rm -rf ${q(`${dir}/${id}`)} && mv -T "$tmp" ${q(`${dir}/${id}`)}`,
    `trap - EXIT`,
  ].join('\n');
}

/**
 * Print `base ID SHA256` of the release a delta of `id` is sent against (`current`, else the
 * newest release with a manifest), then the base64 of its gzipped manifest unless the operator
 * already holds that manifest (`known`: release id → sha256 of its manifest); nothing when no
 * release has one.
 */
export function readBaseManifestScript(
  project: string,
  service: string,
  id: string,
  known: Map<string, string>,
): string {
  const dir = serviceDir(project, service);
  const held = [...known].map(([release, digest]) => q(`${release} ${digest}`));
  return [
    'set -u',
    `cd ${q(`${dir}/releases`)} 2>/dev/null || exit 0`,
    `base=$(readlink ${q(`${dir}/current`)} 2>/dev/null || true); base=\${base#releases/}`,
    `if [ -z "$base" ] || [ "$base" = ${q(id)} ] || [ ! -f "$base/${MANIFEST}" ]; then`,
    `  base=$(ls -1t | while read -r r; do [ "$r" != ${q(id)} ] && [ -f "$r/${MANIFEST}" ] && { echo "$r"; break; }; done)`,
    'fi',
    '[ -n "$base" ] || exit 0',
    `d=$(sha256sum < "$base/${MANIFEST}" | cut -c1-64)`,
    'echo "base $base $d"',
    ...(held.length > 0 ? [`case "$base $d" in ${held.join('|')}) exit 0 ;; esac`] : []),
    `gzip -c "$base/${MANIFEST}" | base64 -w0`,
  ].join('\n');
}

/** Replace the project's block in /etc/hosts (written in place: it may be a mount point). */
export function hostsScript(project: string, line: string): string {
  const { begin, end } = hostsMarks(project);
  return [
    STRICT,
    `kept=$(awk -v b=${q(begin)} -v e=${q(end)} '$0==b{skip=1;next} $0==e{skip=0;next} !skip' /etc/hosts)`,
    `printf '%s\\n%s\\n%s\\n%s\\n' "$kept" ${q(begin)} ${q(line)} ${q(end)} > /etc/hosts`,
  ].join('\n');
}

/** The MariaDB server's settings notesctl owns: local connections only. */
export const MARIADB_CONF = `# Written by notesctl: the server answers local connections only.
[mysqld]
bind-address = 127.0.0.1
`;

/** Install (if absent), configure and start the distribution's MariaDB server at boot. */
export function mariadbScript(): string {
  return [
    STRICT,
    'export DEBIAN_FRONTEND=noninteractive',
    `if ! dpkg-query -W -f='\${Status}' mariadb-server 2>/dev/null | grep -q 'ok installed'; then`,
    '  apt-get update -qq && apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null',
    'fi',
    writeFile('/etc/mysql/mariadb.conf.d/60-notesctl.cnf', MARIADB_CONF, '0644'),
    'systemctl enable --quiet mariadb.service',
    'systemctl restart mariadb.service',
  ].join('\n');
}

/** A MariaDB identifier, backquoted. */
function ident(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** A MariaDB string literal for a name (not a secret: those are escaped in bash). */
function literal(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Create the service's database and user (password on stdin), and record `hash`. */
export function databaseScript(
  project: string,
  service: string,
  database: string,
  user: string,
  hash: string,
): string {
  const users = ['localhost', '127.0.0.1'].map((h) => `${literal(user)}@${literal(h)}`);
  const sql = [
    `CREATE DATABASE IF NOT EXISTS ${ident(database)};`,
    ...users.flatMap((u) => [
      `CREATE USER IF NOT EXISTS ${u} IDENTIFIED BY '$pw';`,
      `ALTER USER ${u} IDENTIFIED BY '$pw';`,
      `GRANT ALL PRIVILEGES ON ${ident(database)}.* TO ${u};`,
    ]),
  ].join(' ');
  const marker = databaseMarker(project, service);
  const claims = marker.replace(/\.hash$/, '.claims');
  const taken = `the MariaDB user ${user} or database ${database} belongs to another project on this host`;
  return [
    `# stdin: the password of ${user}`,
    STRICT,
    // Users and databases are the server's, not the project's: never take over another project's.
    `for f in ${ETC}/*/databases/*.claims; do`,
    `  [ -e "$f" ] && [ "\${f#${ETC}/${project}/}" = "$f" ] || continue`,
    `  if grep -qxF ${q(`user ${user}`)} "$f" || grep -qxF ${q(`database ${database}`)} "$f"; then`,
    `    echo ${q(taken)} "($f); give this service another MARIADB_USER and MARIADB_DATABASE" >&2; exit 3`,
    '  fi',
    'done',
    `IFS= read -r -d '' pw || true`,
    // Escaped for a SQL string; printf is a builtin, so the password is in no process's argv.
    `pw=\${pw//\\\\/\\\\\\\\}; pw=\${pw//\\'/\\\\\\'}`,
    `printf '%s\\n' "${sql.replace(/["`\\]/g, (c) => `\\${c}`)}" | mariadb --protocol=socket -u root`,
    `mkdir -p ${q(`${ETC}/${project}/databases`)}`,
    `printf '%s\\n' ${q(`user ${user}`)} ${q(`database ${database}`)} > ${q(claims)}`,
    `echo ${q(hash)} > ${q(marker)}`,
  ].join('\n');
}

/** Write a service's credentials (a tar on stdin), env file and unit; switch its release; restart. */
export function deployScript(options: {
  project: string;
  service: string;
  unit: string;
  release: string;
  unitText: string;
  envText: string;
}): string {
  const { project, service, unit, release } = options;
  return [
    `# stdin: the credentials of ${service} (tar)`,
    STRICT,
    receiveCredentials(project, service, undefined),
    writeFile(envFile(project, service), options.envText, '0644'),
    writeFile(`${UNIT_DIR}/${unit}`, options.unitText, '0644'),
    switchRelease(project, service, release),
    'systemctl daemon-reload',
    `systemctl enable --quiet ${q(unit)}`,
    `systemctl restart ${q(unit)}`,
    pruneReleases(project, service, release),
  ].join('\n');
}

/**
 * Replace a service's secret files with the tar on stdin: root's (0700/0600) for systemd, which
 * hands them over as credentials; else `owner`'s alone (0500/0400), the folders above it
 * passable (0711) but not listable.
 */
export function receiveCredentials(
  project: string,
  service: string,
  owner: string | undefined,
): string {
  const creds = credentialsDir(project, service);
  const lines = [
    `umask 077`,
    `mkdir -p ${q(`${ETC}/${project}/credentials`)}`,
    `rm -rf ${q(`${creds}.new`)} && mkdir ${q(`${creds}.new`)}`,
    `tar -x -C ${q(`${creds}.new`)} --no-same-owner`,
  ];
  if (owner !== undefined) {
    lines.push(
      `chmod 0711 ${q(ETC)} ${q(`${ETC}/${project}`)} ${q(`${ETC}/${project}/credentials`)}`,
      `chown -R ${q(`${owner}:${owner}`)} ${q(`${creds}.new`)}`,
      `find ${q(`${creds}.new`)} -type f -exec chmod 0400 {} +`,
      `chmod 0500 ${q(`${creds}.new`)}`,
    );
  }
  lines.push(`rm -rf ${q(creds)} && mv -T ${q(`${creds}.new`)} ${q(creds)}`, `umask 022`);
  return lines.join('\n');
}

/** Point `current` at a release: one rename of a link, so it is never missing or half-written. */
export function switchRelease(project: string, service: string, release: string): string {
  const dir = serviceDir(project, service);
  return [
    `ln -sfn ${q(`releases/${release}`)} ${q(`${dir}/current.new`)}`,
    `mv -T ${q(`${dir}/current.new`)} ${q(`${dir}/current`)}`,
  ].join('\n');
}

/** Remove old releases: the newest stay for rollback, the current one always. */
export function pruneReleases(project: string, service: string, release: string): string {
  return `cd ${q(`${serviceDir(project, service)}/releases`)} && ls -1t | { grep -vx ${q(release)} || true; } | tail -n +${RELEASES_KEPT} | xargs -r rm -rf --`;
}

/** Stop, disable and remove a service's unit, env file and credentials (releases stay). */
export function removeUnitScript(project: string, service: string, unit: string): string {
  return [
    STRICT,
    `systemctl disable --now --quiet ${q(unit)} 2>/dev/null || true`,
    `rm -f ${q(`${UNIT_DIR}/${unit}`)} ${q(envFile(project, service))}`,
    `rm -rf ${q(credentialsDir(project, service))}`,
    'systemctl daemon-reload',
    `systemctl reset-failed ${q(unit)} 2>/dev/null || true`,
  ].join('\n');
}

/** Drop a database service's database and user (only `down --volumes`). */
export function dropDatabaseScript(
  project: string,
  service: string,
  database: string,
  user: string,
): string {
  const users = ['localhost', '127.0.0.1'].map((h) => `${literal(user)}@${literal(h)}`).join(', ');
  return [
    STRICT,
    `printf '%s\\n' ${q(`DROP DATABASE IF EXISTS ${ident(database)}; DROP USER IF EXISTS ${users};`)} | mariadb --protocol=socket -u root`,
    `rm -f ${q(databaseMarker(project, service))} ${q(databaseMarker(project, service).replace(/\.hash$/, '.claims'))}`,
  ].join('\n');
}

/** Remove what the project left on the host besides units and databases (`down --volumes`). */
export function purgeProjectScript(project: string): string {
  const { begin, end } = hostsMarks(project);
  return [
    STRICT,
    `rm -rf ${q(`${OPT}/${project}`)} ${q(`${ETC}/${project}`)} /var/lib/private/notesctl-${project} /var/lib/notesctl-${project}`,
    `kept=$(awk -v b=${q(begin)} -v e=${q(end)} '$0==b{skip=1;next} $0==e{skip=0;next} !skip' /etc/hosts)`,
    `printf '%s\\n' "$kept" > /etc/hosts`,
  ].join('\n');
}

/**
 * Run `argv` as the running service does: in its mount namespace (its /app, credentials and
 * private /tmp), as its user, with its environment (read from the process, so no value is
 * written anywhere), in its working folder. Exit 125 when the service is not running.
 */
export function inServiceScript(unit: string, argv: string[], options: { exec: boolean }): string {
  return [
    `pid=$(systemctl show -p MainPID --value ${q(unit)})`,
    `if [ "\${pid:-0}" -le 0 ]; then echo ${q(`${unit} is not running`)} >&2; ${options.exec ? 'exit 125' : 'false'}; else`,
    `readarray -d '' envs < "/proc/$pid/environ"`,
    `${options.exec ? 'exec ' : ''}nsenter -t "$pid" -m -- setpriv --reuid="$(stat -c %u "/proc/$pid")" --regid="$(stat -c %g "/proc/$pid")" --clear-groups --no-new-privs env -i -C /app "\${envs[@]}" ${argv.map(q).join(' ')}`,
    'fi',
  ].join('\n');
}

/** How readinessScript() learns a service's state: prints `active`, `failed` or anything else. */
export function unitStateCommand(unit: string): string {
  return `systemctl show -p ActiveState --value ${q(unit)}`;
}

/**
 * Poll a service's readiness on the server for up to `rounds` × 0.2 s: exit 0 once `check`
 * succeeds while `state` says active, 3 when it says failed, 1 when still not ready (the check's
 * last words on stderr). One SSH round trip per window, not per check.
 */
export function readinessScript(
  name: string,
  state: string,
  check: string | undefined,
  rounds: number,
): string {
  return [
    'out=""',
    `for i in $(seq 1 ${rounds}); do`,
    `  state=$(${state})`,
    `  if [ "$state" = failed ]; then echo ${q(`${name} failed`)} >&2; exit 3; fi`,
    `  if [ "$state" = active ]; then`,
    check === undefined
      ? '    exit 0'
      : `    if out=$( { ${check.split('\n').join('\n')} ; } 2>&1 ); then exit 0; fi`,
    '  fi',
    '  sleep 0.2',
    'done',
    'printf "%s\\n" "$out" >&2',
    'exit 1',
  ].join('\n');
}

/** Whether a database exists on the host's MariaDB server (its readiness). */
export function databaseCheck(database: string): string {
  return `mariadb --protocol=socket -u root -N -e ${q(`SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME=${literal(database)}`)} | grep -qx 1`;
}
