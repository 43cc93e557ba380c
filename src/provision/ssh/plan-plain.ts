/**
 * What to do to a server so the plain-server runtimes can deploy to it (issue 21: `provision ssh
 * --runtime systemd|pm2`): a pure function from the gathered facts to shell steps, or a refusal
 * that names the host and what to do. Installs only what `up` needs and does not install itself
 * (plain-facts.ts's TARGET_COMMANDS), from the distribution; never Docker.
 */
import { RuntimeError, UsageError } from '../../errors.ts';
import { describeOs, type ServerFacts } from './facts.ts';
import { aptScript, CLOUD_INIT_STEP, type BootstrapPlan, type BootstrapStep } from './plan.ts';
import { TARGET_COMMANDS, type PlainServerFacts } from './plain-facts.ts';

/** The plain-server runtimes. */
export type PlainRuntime = 'systemd' | 'pm2';

/**
 * Oldest releases: systemd 247 (LoadCredential=, Debian 11) and MariaDB 10.4+ (the `mariadb`
 * client the targets call); Ubuntu 20.04 has systemd 245 and MariaDB 10.3.
 */
const MINIMUM: Record<string, number> = { debian: 11, ubuntu: 22.04 };

/** systemd's first release with LoadCredential=, which runtime: systemd hands secrets with. */
const SYSTEMD_CREDENTIALS = 247;

/** Node's official Linux builds that notesctl installs: `uname -m` → Node's name. */
const NODE_ARCHES: Record<string, string> = { x86_64: 'x64', aarch64: 'arm64' };

/** Free space under /opt below which `up` would fail half-way (Node ~180 MB, releases, MariaDB). */
export const MINIMUM_DISK_KIB = 1024 * 1024;

/** Memory below which the Notes stack (MariaDB and two Node apps) gets tight: a note, not a refusal. */
export const LOW_MEMORY_KIB = 900 * 1024;

/** States of a server systemd has booted (starting: booting still, waited for). */
const BOOTED = new Set(['running', 'degraded']);
const BOOTING = new Set(['starting', 'initializing']);

function refuse(message: string, hint: string): never {
  throw new RuntimeError(message, { hint });
}

/** Debian 11+, Ubuntu 22.04+, or a derivative of either (its systemd version is what counts). */
function checkOs(facts: ServerFacts, host: string, runtime: PlainRuntime): string[] {
  const id = facts.os.ID ?? '';
  const minimum = MINIMUM[id];
  const like = (facts.os.ID_LIKE ?? '').split(/[ ,]/);
  if (minimum === undefined) {
    if (like.includes('debian') || like.includes('ubuntu'))
      return [`${describeOs(facts.os)} is a derivative of Debian: checked by its systemd version`];
    throw new UsageError(
      `${host} runs ${describeOs(facts.os)}: runtime: ${runtime} runs on Debian (11+) and Ubuntu (22.04+) only`,
      {
        hint: `Use a Debian or Ubuntu server for ${host}, or provision it for Docker (no --runtime).`,
      },
    );
  }
  const version = Number(facts.os.VERSION_ID);
  if (facts.os.VERSION_ID !== undefined && Number.isFinite(version) && version < minimum) {
    throw new UsageError(
      `${host} runs ${describeOs(facts.os)}: runtime: ${runtime} needs ${id === 'debian' ? 'Debian 11' : 'Ubuntu 22.04'} or newer (systemd 247+ for credentials, the mariadb client of MariaDB 10.4+)`,
      { hint: `Upgrade ${host}, or provision it for Docker (no --runtime).` },
    );
  }
  return [];
}

/** systemd is PID 1 and has booted: the targets' units, timers and `pm2 startup` rely on it. */
function checkSystemd(plain: PlainServerFacts, facts: ServerFacts, host: string): void {
  if (plain.pid1 !== 'systemd' || !facts.systemd) {
    refuse(
      `${host}: systemd does not run this machine (PID 1 is ${plain.pid1 || 'unknown'}${facts.systemd ? '' : ', no /run/systemd/system'}): runtime systemd and pm2 keep services alive with systemd`,
      `Use a server booted by systemd (a VM or a VPS, not a container), or run Docker there and provision ${host} without --runtime.`,
    );
  }
  if (!BOOTED.has(plain.systemState) && !BOOTING.has(plain.systemState)) {
    refuse(
      `${host}: systemctl is-system-running says "${plain.systemState || 'nothing'}": systemd is not running the machine normally`,
      `Look with \`systemctl status\` on ${host} (rescue mode, shutting down?), fix it, then provision again.`,
    );
  }
}

/** What runtime: systemd needs beyond systemd itself: credentials, and shared mounts for them. */
function checkCredentials(plain: PlainServerFacts, host: string): void {
  if (plain.systemdVersion > 0 && plain.systemdVersion < SYSTEMD_CREDENTIALS) {
    refuse(
      `${host}: systemd ${plain.systemdVersion} has no LoadCredential=, which runtime: systemd hands secrets with (systemd ${SYSTEMD_CREDENTIALS}+)`,
      `Upgrade ${host}'s distribution, or use --runtime pm2 (secrets as files).`,
    );
  }
  if (!plain.runPropagation.includes('shared')) {
    refuse(
      `${host}: /run is not a shared mount (${plain.runPropagation || 'unknown'}), so systemd cannot hand services their credentials (LoadCredential= would give "Permission denied")`,
      'systemd makes mounts shared at boot except in containers; run `mount --make-rshared /` early at boot (a oneshot unit before sysinit.target), or use --runtime pm2.',
    );
  }
}

/** The login user is root: the targets run their scripts as the login user, without sudo. */
function checkRoot(facts: ServerFacts, host: string, user: string, runtime: PlainRuntime): void {
  if (facts.uid === 0) return;
  refuse(
    `${host}: ${user} is not root${facts.sudo ? ' (sudo works, but notesctl up does not use it)' : ''}: runtime: ${runtime} deploys as the login user, which must be root (units, /opt/notesctl, MariaDB through its socket)`,
    `Provision and deploy as root@${host}: allow root to log in with your key (PermitRootLogin prohibit-password), e.g. \`sudo install -m 600 ~${user}/.ssh/authorized_keys /root/.ssh/\`.`,
  );
}

/** The architecture has an official Node build; enough disk for Node and releases. */
function checkMachine(plain: PlainServerFacts, host: string): string[] {
  if (NODE_ARCHES[plain.arch] === undefined) {
    refuse(
      `${host} is ${plain.arch || 'an unknown architecture'}: notesctl installs Node's official Linux builds for x86_64 (x64) and aarch64 (arm64) only`,
      `Use an x86_64 or aarch64 server, or provision ${host} for Docker (no --runtime) with images for its architecture.`,
    );
  }
  if (plain.diskFreeKib >= 0 && plain.diskFreeKib < MINIMUM_DISK_KIB) {
    refuse(
      `${host}: ${Math.floor(plain.diskFreeKib / 1024)} MiB free under /opt: notesctl up needs at least ${MINIMUM_DISK_KIB / 1024} MiB there (Node, five releases per service, the databases)`,
      `Free space on ${host} (or give it a bigger disk), then provision again.`,
    );
  }
  if (plain.memoryKib >= 0 && plain.memoryKib < LOW_MEMORY_KIB)
    return [
      `${host} has ${Math.floor(plain.memoryKib / 1024)} MiB of memory: MariaDB and the apps may not fit (1 GiB or swap is safer)`,
    ];
  return [];
}

/** The Debian packages that give the commands missing for `runtime`, sorted and unique. */
export function missingPackages(plain: PlainServerFacts, runtime: PlainRuntime): string[] {
  const packages = new Set<string>();
  for (const command of plain.missing) {
    const known = TARGET_COMMANDS[command];
    if (known?.runtimes.includes(runtime)) packages.add(known.package);
  }
  return [...packages].sort();
}

/** A plain server's plan: the steps, and the packages they install (none: nothing to change). */
export interface PlainServerPlan extends BootstrapPlan {
  packages: string[];
}

/** The plan for a server with `facts` and `plain`, reached as `user`, for `runtime`. */
export function planPlainServer(
  facts: ServerFacts,
  plain: PlainServerFacts,
  options: { host: string; user: string; runtime: PlainRuntime },
): PlainServerPlan {
  const { host, user, runtime } = options;
  const notes = checkOs(facts, host, runtime);
  checkRoot(facts, host, user, runtime);
  checkSystemd(plain, facts, host);
  if (runtime === 'systemd') checkCredentials(plain, host);
  notes.push(...checkMachine(plain, host));
  if (!facts.apt) refuse(`${host}: no apt-get on ${describeOs(facts.os)}`, 'Use Debian or Ubuntu.');
  const steps: BootstrapStep[] = [];
  if (facts.cloudInit) steps.push(CLOUD_INIT_STEP);
  if (BOOTING.has(plain.systemState)) {
    steps.push({
      id: 'boot',
      title: 'wait for the boot to finish (systemctl is-system-running --wait)',
      // degraded (a unit failed) exits 1 and is fine: the word is printed.
      script: 'timeout 300 systemctl is-system-running --wait || true',
    });
  }
  const packages = missingPackages(plain, runtime);
  if (packages.length > 0) {
    steps.push({
      id: 'install-packages',
      title: `install ${packages.join(', ')} (from ${describeOs(facts.os)})`,
      script: aptScript([
        'update -q',
        `install -y -q --no-install-recommends ${packages.join(' ')}`,
      ]),
    });
  } else {
    notes.push(
      `everything runtime: ${runtime} needs that notesctl up does not install itself is there already`,
    );
  }
  return { asRoot: '', steps, notes, reconnect: false, packages };
}
