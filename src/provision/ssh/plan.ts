/**
 * What to do to a server so notesctl can deploy to it (docker-machine's generic driver, issue 6):
 * a pure function from the gathered facts to shell steps. Only Debian and Ubuntu are supported:
 * Docker comes from the distribution's own `docker.io` package, no third-party repository.
 */
import { RuntimeError, UsageError } from '../../errors.ts';
import { shellQuote } from '../../engine/ssh/shell-quote.ts';
import { describeOs, type ServerFacts } from './facts.ts';

/** One step, run as root (directly or through `sudo -n`) with `sh -s`. */
export interface BootstrapStep {
  id: string;
  title: string;
  script: string;
}

/** The steps, things to tell the operator, and whether to log in again afterwards. */
export interface BootstrapPlan {
  /** Prefix that runs a command as root: '' or 'sudo -n '. */
  asRoot: string;
  steps: BootstrapStep[];
  notes: string[];
  /** Group membership changed: the next SSH session sees it, this one does not. */
  reconnect: boolean;
}

/** Oldest releases whose docker.io speaks API 1.41 (Docker 20.10). */
const MINIMUM: Record<string, number> = { debian: 11, ubuntu: 20.04 };

/** Seconds to wait for another apt/dpkg (unattended-upgrades on a fresh server) to finish. */
export const APT_LOCK_DEADLINE_S = 300;

const DEFAULT_SOCKETS = new Set(['/run/docker.sock', '/var/run/docker.sock']);

function checkOs(facts: ServerFacts, host: string): void {
  const id = facts.os.ID ?? '';
  const minimum = MINIMUM[id];
  if (minimum === undefined) {
    throw new UsageError(
      `${host} runs ${describeOs(facts.os)}: notesctl provisions Debian (11+) and Ubuntu (20.04+) only`,
      {
        hint: 'Install Docker 20.10+ there yourself and declare the host under hosts: in the topology; notesctl then only needs SSH access to its socket.',
      },
    );
  }
  const version = Number(facts.os.VERSION_ID);
  if (facts.os.VERSION_ID !== undefined && Number.isFinite(version) && version < minimum) {
    throw new UsageError(
      `${host} runs ${describeOs(facts.os)}: its docker.io is older than Docker 20.10 (API 1.41), which notesctl needs`,
      { hint: `Upgrade to ${id === 'debian' ? 'Debian 11' : 'Ubuntu 20.04'} or newer.` },
    );
  }
}

/** On a new server, cloud-init may still be installing packages (and holding apt's lock). */
export const CLOUD_INIT_STEP: BootstrapStep = {
  id: 'cloud-init',
  title: 'wait for cloud-init to finish',
  script: 'timeout 900 cloud-init status --wait >/dev/null 2>&1 || true',
};

/** apt-get with a deadline for locks held by another apt or dpkg. */
export function aptScript(commands: string[]): string {
  return [
    'set -e',
    'export DEBIAN_FRONTEND=noninteractive',
    `deadline=$(( $(date +%s) + ${APT_LOCK_DEADLINE_S} ))`,
    'apt_locked() {',
    '  while :; do',
    '    if out=$(apt-get -o DPkg::Lock::Timeout=30 "$@" 2>&1); then return 0; fi',
    '    case $out in',
    '      *"Could not get lock"*|*"Unable to lock"*|*"is held by"*)',
    '        if [ "$(date +%s)" -ge "$deadline" ]; then',
    `          printf '%s\\n' "$out" >&2; echo "apt/dpkg stayed locked for ${APT_LOCK_DEADLINE_S} s" >&2; return 1`,
    '        fi',
    '        sleep 3 ;;',
    `      *) printf '%s\\n' "$out" >&2; return 1 ;;`,
    '    esac',
    '  done',
    '}',
    ...commands.map((c) => `apt_locked ${c}`),
  ].join('\n');
}

/** Start dockerd without an init system, unless the engine already answers. */
function startDockerdScript(socket: string): string {
  const hostFlag = DEFAULT_SOCKETS.has(socket) ? '' : ` -H ${shellQuote(`unix://${socket}`)}`;
  return [
    `if docker -H ${shellQuote(`unix://${socket}`)} version >/dev/null 2>&1; then echo "already running"; exit 0; fi`,
    'mkdir -p /var/log',
    `setsid dockerd${hostFlag} >>/var/log/dockerd.log 2>&1 </dev/null &`,
    'echo "started dockerd (log: /var/log/dockerd.log)"',
  ].join('\n');
}

/** The plan for a server with `facts`, reached as `user`, engine socket `socket`. */
export function planBootstrap(
  facts: ServerFacts,
  options: { host: string; user: string; socket: string },
): BootstrapPlan {
  const { host, user, socket } = options;
  checkOs(facts, host);
  if (facts.uid !== 0 && !facts.sudo) {
    throw new RuntimeError(`${host}: ${user} is not root and cannot use sudo without a password`, {
      hint: `Provision as root, or allow ${user} passwordless sudo (a line "${user} ALL=(ALL) NOPASSWD:ALL" in /etc/sudoers.d/notesctl).`,
    });
  }
  const steps: BootstrapStep[] = [];
  const notes: string[] = [];
  if (facts.cloudInit) steps.push(CLOUD_INIT_STEP);
  if (!facts.dockerd) {
    if (!facts.apt) throw new RuntimeError(`${host}: no apt-get on ${describeOs(facts.os)}`);
    steps.push({
      id: 'install-docker',
      title: `install Docker (docker.io from ${describeOs(facts.os)})`,
      script: aptScript(['update -q', 'install -y -q docker.io']),
    });
  } else {
    notes.push('Docker is installed already');
  }
  if (facts.systemd) {
    steps.push({
      id: 'enable-docker',
      title: 'enable Docker at boot and start it (systemctl enable --now docker)',
      script: 'systemctl enable --now docker.service',
    });
  } else {
    notes.push(
      'systemd does not run this machine: Docker will not start at boot by itself (enable it with the init system there); notesctl starts dockerd now if it is not running',
    );
    steps.push({ id: 'start-dockerd', title: 'start dockerd', script: startDockerdScript(socket) });
  }
  const reconnect = facts.uid !== 0 && !facts.dockerGroup;
  if (reconnect) {
    steps.push({
      id: 'docker-group',
      title: `let ${user} use the Docker socket (docker group)`,
      script: `usermod -aG docker ${shellQuote(user)}`,
    });
  }
  return { asRoot: facts.uid === 0 ? '' : 'sudo -n ', steps, notes, reconnect };
}
