/**
 * Reading a plain server's state in one script (issue 21): the OS, whether credentials can
 * work, the project's units (by file name, with the hash and release they were written with,
 * and systemd's own state), database markers, releases on disk, installed Node versions, the
 * managed /etc/hosts block and the MariaDB server. One line per fact, parsed here.
 */
import { firewallPorts } from './firewall.ts';
import { ETC, OPT, UNIT_DIR, unitPrefix } from './names.ts';
import { shellQuote as q } from './quote.ts';
import { hostsMarks } from './scripts.ts';

/** A unit of the project as found. */
export interface ObservedUnit {
  service: string;
  unit: string;
  hash: string;
  release: string;
  /** systemd's ActiveState and SubState (`active`/`running`, `failed`/`failed`, …). */
  active: string;
  sub: string;
  enabled: string;
  mainPid: number;
  restarts: number;
  memoryBytes: number | undefined;
  /** When it entered its active state (µs since the epoch; 0 when never). */
  sinceUs: number;
}

/** What the server holds for the project. */
export interface SystemdObserved {
  /** ID and ID_LIKE of /etc/os-release. */
  os: { id: string; like: string; version: string };
  /** Whether /run is a shared mount (systemd credentials need it; see docs/topology.md). */
  sharedRun: boolean;
  /** `uname -m`, and whether `xz` is there: which Node archive the server can take. */
  platform: { machine: string; xz: boolean };
  units: ObservedUnit[];
  /** Database service → hash of its set-up. */
  databases: Map<string, string>;
  /** `build:` service → release ids on disk. */
  releases: Map<string, string[]>;
  nodes: string[];
  /** The managed /etc/hosts line, if any. */
  hostsLine: string | undefined;
  mariadb: { installed: boolean; configured: string; active: string };
  /** The digest of the runtime's own set-up (PM2's), when it has one. */
  setup?: string;
  /** The ports this project asked the host's firewall to admit, when it asked. */
  firewall?: string[];
  /** PM2: the shape each app was last started in (what a reload cannot change). */
  shapes?: Map<string, string>;
}

const PROPS =
  'ActiveState,SubState,UnitFileState,MainPID,NRestarts,MemoryCurrent,ActiveEnterTimestamp';

/** The script that prints the facts. */
export function observeScript(project: string, extra: string[] = []): string {
  const { begin, end } = hostsMarks(project);
  return [
    'set -u',
    '. /etc/os-release 2>/dev/null; echo "os ${ID:-unknown} ${ID_LIKE:-none} ${VERSION_ID:-0}"',
    'echo "propagation $(findmnt -no PROPAGATION /run 2>/dev/null || echo unknown)"',
    'echo "platform $(uname -m) $(command -v xz >/dev/null && echo xz || echo no-xz)"',
    `for f in ${UNIT_DIR}/${unitPrefix(project)}*.service; do`,
    '  [ -e "$f" ] || continue',
    '  u=$(basename "$f")',
    `  echo "unit $u $(sed -n 's/^X-NotesctlService=//p' "$f") $(sed -n 's/^X-NotesctlHash=//p' "$f") $(sed -n 's/^X-NotesctlRelease=//p' "$f")"`,
    `  echo "state $u $(systemctl show --timestamp=unix -p ${PROPS} "$u" | tr '\\n' '|' | tr ' ' '_')"`,
    'done',
    `for f in ${ETC}/${project}/databases/*.hash; do [ -e "$f" ] && echo "database $(basename "$f" .hash) $(cat "$f")"; done`,
    `for d in ${OPT}/${project}/*/releases/*; do [ -d "$d" ] && echo "release $(basename "$(dirname "$(dirname "$d")")") $(basename "$d")"; done`,
    `for d in ${OPT}/node/*; do [ -x "$d/bin/node" ] && echo "node $(basename "$d")"; done`,
    `awk -v b=${q(begin)} -v e=${q(end)} '$0==b{on=1;next} $0==e{on=0} on{print "hosts " $0}' /etc/hosts`,
    `dpkg-query -W -f='\${Status}\\n' mariadb-server 2>/dev/null | grep -q 'ok installed' && echo "mariadb-installed"`,
    'echo "mariadb-conf $(sha256sum /etc/mysql/mariadb.conf.d/60-notesctl.cnf 2>/dev/null | cut -c1-16)"',
    'echo "mariadb-active $(systemctl is-active mariadb.service 2>/dev/null)"',
    `[ -e ${firewallPorts(project)} ] && echo "firewall $(paste -sd, ${firewallPorts(project)})"`,
    ...extra,
    'true',
  ].join('\n');
}

function number(text: string | undefined): number {
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

/** Parse what observeScript() printed. */
export function parseObserved(output: string): SystemdObserved {
  const observed: SystemdObserved = {
    os: { id: 'unknown', like: 'none', version: '0' },
    sharedRun: false,
    platform: { machine: 'unknown', xz: false },
    units: [],
    databases: new Map(),
    releases: new Map(),
    nodes: [],
    hostsLine: undefined,
    mariadb: { installed: false, configured: '', active: 'inactive' },
  };
  const units = new Map<string, ObservedUnit>();
  for (const line of output.split('\n')) {
    const [kind = '', ...rest] = line.split(' ');
    if (kind === 'os')
      observed.os = { id: rest[0] ?? '', like: rest[1] ?? '', version: rest[2] ?? '' };
    else if (kind === 'propagation') observed.sharedRun = (rest[0] ?? '').includes('shared');
    else if (kind === 'platform')
      observed.platform = { machine: rest[0] ?? 'unknown', xz: rest[1] === 'xz' };
    else if (kind === 'unit' && rest[0]) {
      units.set(rest[0], {
        unit: rest[0],
        service: rest[1] ?? '',
        hash: rest[2] ?? '',
        release: rest[3] ?? '',
        active: 'inactive',
        sub: 'dead',
        enabled: 'disabled',
        mainPid: 0,
        restarts: 0,
        memoryBytes: undefined,
        sinceUs: 0,
      });
    } else if (kind === 'state' && rest[0]) {
      const unit = units.get(rest[0]);
      // KEY=value pairs: systemctl prints properties in its own order, not the one asked.
      const props = new Map(
        (rest[1] ?? '')
          .split('|')
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      const [active, sub, enabled, pid, restarts, memory, since] = PROPS.split(',').map((k) =>
        props.get(k),
      );
      if (unit) {
        unit.active = active ?? unit.active;
        unit.sub = sub ?? unit.sub;
        unit.enabled = enabled ?? unit.enabled;
        unit.mainPid = number(pid);
        unit.restarts = number(restarts);
        const bytes = Number(memory);
        unit.memoryBytes = Number.isFinite(bytes) && bytes < 2 ** 60 ? bytes : undefined;
        unit.sinceUs = number((since ?? '').replace('@', '')) * 1_000_000;
      }
    } else if (kind === 'database' && rest[0]) observed.databases.set(rest[0], rest[1] ?? '');
    else if (kind === 'release' && rest[0] && rest[1]) {
      observed.releases.set(rest[0], [...(observed.releases.get(rest[0]) ?? []), rest[1]]);
    } else if (kind === 'node' && rest[0]) observed.nodes.push(rest[0]);
    else if (kind === 'hosts') observed.hostsLine = rest.join(' ');
    else if (kind === 'mariadb-installed') observed.mariadb.installed = true;
    else if (kind === 'mariadb-conf') observed.mariadb.configured = rest[0] ?? '';
    else if (kind === 'mariadb-active') observed.mariadb.active = rest[0] ?? '';
    else if (kind === 'firewall') observed.firewall = rest.join(' ').split(',').filter(Boolean);
  }
  observed.units = [...units.values()];
  return observed;
}
