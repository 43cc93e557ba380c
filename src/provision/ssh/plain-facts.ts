/**
 * What provisioning a plain server (issue 21: `provision ssh --runtime systemd|pm2`) needs to know
 * besides facts.ts's: the init system as PID 1, the architecture, room on disk, the commands the
 * systemd and pm2 targets' scripts call. Printed by a script that runs in the same SSH exec as
 * facts.ts's (plainFactsScript() goes first: factsScript() ends with `exit 0`).
 */

/** Facts about a server that only a plain-server runtime needs. */
export interface PlainServerFacts {
  /** `uname -m`. */
  arch: string;
  /** The name of PID 1 (`/proc/1/comm`): `systemd` on a server systemd runs. */
  pid1: string;
  /** `systemctl is-system-running`'s answer (running, degraded, starting…); '' when none. */
  systemState: string;
  /** systemd's version number (`systemctl --version`), 0 when unknown. */
  systemdVersion: number;
  /** How /run is mounted (`findmnt -no PROPAGATION /run`): systemd credentials need shared. */
  runPropagation: string;
  /** KiB free on the file system that holds /opt (Node, releases), -1 when unknown. */
  diskFreeKib: number;
  /** KiB of memory (MemTotal), -1 when unknown. */
  memoryKib: number;
  /** Commands the targets' scripts call that are not on the PATH. */
  missing: string[];
}

/**
 * Commands the plain-server targets run (src/targets/systemd, src/targets/pm2) and the Debian
 * package that has each. Not listed: what the targets install themselves when absent (MariaDB,
 * nftables, logrotate; Node and PM2 are shipped) and what every Debian system has (coreutils'
 * rest, dpkg, sed, grep).
 */
export const TARGET_COMMANDS: Record<string, { package: string; runtimes: string[] }> = {
  bash: { package: 'bash', runtimes: ['systemd', 'pm2'] },
  tar: { package: 'tar', runtimes: ['systemd', 'pm2'] },
  gzip: { package: 'gzip', runtimes: ['systemd', 'pm2'] },
  // Node's official .tar.xz: smaller than the .tar.gz notesctl otherwise sends, and the only
  // way to unpack a `node: { source: file }` tarball that is one.
  xz: { package: 'xz-utils', runtimes: ['systemd', 'pm2'] },
  awk: { package: 'mawk', runtimes: ['systemd', 'pm2'] },
  sha512sum: { package: 'coreutils', runtimes: ['systemd', 'pm2'] },
  flock: { package: 'util-linux', runtimes: ['systemd', 'pm2'] },
  setpriv: { package: 'util-linux', runtimes: ['systemd', 'pm2'] },
  findmnt: { package: 'util-linux', runtimes: ['systemd', 'pm2'] },
  nsenter: { package: 'util-linux', runtimes: ['systemd'] },
  useradd: { package: 'passwd', runtimes: ['pm2'] },
};

/** The script that prints the facts as `plain.KEY=value` lines. */
export function plainFactsScript(): string {
  return [
    'echo "plain.arch=$(uname -m)"',
    'echo "plain.pid1=$(cat /proc/1/comm 2>/dev/null)"',
    // Exit code 1 for degraded and others: only the word matters.
    'echo "plain.state=$(systemctl is-system-running 2>/dev/null)"',
    `echo "plain.systemd_version=$(systemctl --version 2>/dev/null | awk 'NR==1{print $2}')"`,
    'echo "plain.run=$(findmnt -no PROPAGATION /run 2>/dev/null)"',
    `echo "plain.disk=$(df -Pk /opt 2>/dev/null | awk 'NR==2{print $4}')"`,
    `echo "plain.memory=$(awk '/^MemTotal:/{print $2}' /proc/meminfo 2>/dev/null)"`,
    `for c in ${Object.keys(TARGET_COMMANDS).join(' ')}; do`,
    '  command -v "$c" >/dev/null 2>&1 || echo "plain.missing=$c"',
    'done',
  ].join('\n');
}

function count(text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text)) return -1;
  return Number(text);
}

/** Parse the script's lines (other lines are ignored: facts.ts reads those). */
export function parsePlainFacts(output: string): PlainServerFacts {
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('plain.')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice('plain.'.length, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'missing') missing.push(value);
    else values.set(key, value);
  }
  return {
    arch: values.get('arch') ?? '',
    pid1: values.get('pid1') ?? '',
    systemState: values.get('state') ?? '',
    systemdVersion: Math.max(0, count(values.get('systemd_version'))),
    runPropagation: values.get('run') ?? '',
    diskFreeKib: count(values.get('disk')),
    memoryKib: count(values.get('memory')),
    missing,
  };
}
