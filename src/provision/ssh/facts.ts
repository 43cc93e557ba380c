/**
 * What provisioning needs to know about a server, gathered by one shell script in one SSH exec
 * (every round trip counts on a far-away host): the OS, root or sudo, Docker, the init system.
 */
import { shellQuote } from '../../engine/ssh/shell-quote.ts';

/** Facts about a server. */
export interface ServerFacts {
  uid: number;
  /** `sudo -n true` works (only asked when not root). */
  sudo: boolean;
  /** /etc/os-release as key → value (ID, VERSION_ID, PRETTY_NAME, ID_LIKE…). */
  os: Record<string, string>;
  /** systemd runs the machine (sd_booted(3): /run/systemd/system exists). */
  systemd: boolean;
  apt: boolean;
  dockerCli: boolean;
  dockerd: boolean;
  cloudInit: boolean;
  /** The Docker socket exists. */
  socket: boolean;
  /** The login user is in the `docker` group (non-root users need it for the socket). */
  dockerGroup: boolean;
}

/** The script that prints the facts as `key=value` lines (`os.KEY=value` for os-release). */
export function factsScript(socketPath: string): string {
  return [
    `SOCKET=${shellQuote(socketPath)}`,
    'echo "uid=$(id -u)"',
    `[ -r /etc/os-release ] && sed -n 's/^\\([A-Z_][A-Z0-9_]*\\)=/os.\\1=/p' /etc/os-release`,
    '[ -d /run/systemd/system ] && echo systemd=yes',
    'command -v apt-get >/dev/null 2>&1 && echo apt=yes',
    'command -v docker >/dev/null 2>&1 && echo docker_cli=yes',
    'command -v dockerd >/dev/null 2>&1 && echo dockerd=yes',
    'command -v cloud-init >/dev/null 2>&1 && echo cloud_init=yes',
    '[ -S "$SOCKET" ] && echo socket=yes',
    'id -nG 2>/dev/null | tr " " "\\n" | grep -qx docker && echo docker_group=yes',
    'if [ "$(id -u)" != 0 ] && sudo -n true 2>/dev/null; then echo sudo=yes; fi',
    'exit 0',
  ].join('\n');
}

/** One os-release value: unquoted, "double" or 'single' quoted, with \-escapes in double quotes. */
function unquote(value: string): string {
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
    return value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  }
  if (value.startsWith("'") && value.endsWith("'") && value.length >= 2) return value.slice(1, -1);
  return value;
}

/** Parse the script's output. */
export function parseFacts(output: string): ServerFacts {
  const values = new Map<string, string>();
  const os: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key.startsWith('os.')) os[key.slice(3)] = unquote(value);
    else values.set(key, value);
  }
  const yes = (key: string) => values.get(key) === 'yes';
  const uid = Number(values.get('uid'));
  return {
    uid: Number.isInteger(uid) ? uid : -1,
    sudo: yes('sudo'),
    os,
    systemd: yes('systemd'),
    apt: yes('apt'),
    dockerCli: yes('docker_cli'),
    dockerd: yes('dockerd'),
    cloudInit: yes('cloud_init'),
    socket: yes('socket'),
    dockerGroup: yes('docker_group'),
  };
}

/** `Debian GNU/Linux 12 (bookworm)` or the ID and version. */
export function describeOs(os: Record<string, string>): string {
  return os.PRETTY_NAME ?? ([os.ID, os.VERSION_ID].filter(Boolean).join(' ') || 'unknown OS');
}
