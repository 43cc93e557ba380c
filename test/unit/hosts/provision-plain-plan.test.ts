// What `provision ssh --runtime systemd|pm2` does to a server (issue 21), decided from facts
// alone (src/provision/ssh/plan-plain.ts): the plain facts parsed, the refusals that name the
// host and what to do, the packages installed for each runtime, and a ready server left alone.
import { describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../../src/errors.ts';
import type { ServerFacts } from '../../../src/provision/ssh/facts.ts';
import {
  parsePlainFacts,
  plainFactsScript,
  type PlainServerFacts,
} from '../../../src/provision/ssh/plain-facts.ts';
import { planPlainServer, type PlainRuntime } from '../../../src/provision/ssh/plan-plain.ts';

const facts = (extra: Partial<ServerFacts> = {}): ServerFacts => ({
  uid: 0,
  sudo: false,
  os: { ID: 'debian', VERSION_ID: '12', PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)' },
  systemd: true,
  apt: true,
  dockerCli: false,
  dockerd: false,
  cloudInit: false,
  socket: false,
  dockerGroup: false,
  ...extra,
});

const plain = (extra: Partial<PlainServerFacts> = {}): PlainServerFacts => ({
  arch: 'x86_64',
  pid1: 'systemd',
  systemState: 'running',
  systemdVersion: 252,
  runPropagation: 'shared',
  diskFreeKib: 20 * 1024 * 1024,
  memoryKib: 2 * 1024 * 1024,
  missing: [],
  ...extra,
});

const plan = (
  f: Partial<ServerFacts> = {},
  p: Partial<PlainServerFacts> = {},
  runtime: PlainRuntime = 'systemd',
  user = 'root',
) => planPlainServer(facts(f), plain(p), { host: 'vps', user, runtime });

/** The error planning throws, or undefined. */
function refusal(run: () => unknown): Error | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('parsePlainFacts', () => {
  it('reads its own lines among the other facts', () => {
    const parsed = parsePlainFacts(
      [
        'uid=0',
        'plain.arch=aarch64',
        'plain.pid1=systemd',
        'plain.state=degraded',
        'plain.systemd_version=255',
        'plain.run=shared',
        'plain.disk=5242880',
        'plain.memory=1009152',
        'plain.missing=xz',
        'plain.missing=useradd',
        'os.ID=ubuntu',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      arch: 'aarch64',
      pid1: 'systemd',
      systemState: 'degraded',
      systemdVersion: 255,
      runPropagation: 'shared',
      diskFreeKib: 5242880,
      memoryKib: 1009152,
      missing: ['xz', 'useradd'],
    });
  });

  it('takes an empty answer as unknown, not as zero', () => {
    const parsed = parsePlainFacts('plain.pid1=\nplain.state=\nplain.disk=\nplain.memory=x');
    expect(parsed).toMatchObject({ pid1: '', systemState: '', diskFreeKib: -1, memoryKib: -1 });
  });

  it('asks for every command the targets need in one loop', () => {
    expect(plainFactsScript()).toContain(
      'for c in bash tar gzip xz awk sha512sum flock setpriv findmnt nsenter useradd; do',
    );
  });
});

describe('planPlainServer', () => {
  it('leaves a ready server alone and says so (a second run)', () => {
    const ready = plan();
    expect(ready.steps).toEqual([]);
    expect(ready.packages).toEqual([]);
    expect(ready.notes).toContain(
      'everything runtime: systemd needs that notesctl up does not install itself is there already',
    );
  });

  it('installs the missing packages from the distribution, waiting for apt locks, never Docker', () => {
    const fresh = plan({}, { missing: ['xz', 'setpriv', 'nsenter', 'useradd'] });
    expect(fresh.packages).toEqual(['util-linux', 'xz-utils']);
    expect(fresh.steps.map((s) => s.title)).toEqual([
      'install util-linux, xz-utils (from Debian GNU/Linux 12 (bookworm))',
    ]);
    const script = fresh.steps[0]?.script ?? '';
    expect(script).toContain('apt_locked update -q');
    expect(script).toContain(
      'apt_locked install -y -q --no-install-recommends util-linux xz-utils',
    );
    expect(script).toContain('DPkg::Lock::Timeout');
    expect(script).not.toContain('docker');
  });

  it('installs what only pm2 needs for pm2 (useradd), and not nsenter', () => {
    expect(plan({}, { missing: ['useradd', 'nsenter'] }, 'pm2').packages).toEqual(['passwd']);
    expect(plan({}, { missing: ['useradd'] }, 'systemd').packages).toEqual([]);
  });

  it('waits for cloud-init and for a boot still under way first', () => {
    const booting = plan({ cloudInit: true }, { systemState: 'starting', missing: ['xz'] });
    expect(booting.steps.map((s) => s.id)).toEqual(['cloud-init', 'boot', 'install-packages']);
    expect(booting.steps[1]?.script).toBe('timeout 300 systemctl is-system-running --wait || true');
  });

  it('refuses a machine systemd does not run, naming the host and what PID 1 is', () => {
    const error = refusal(() => plan({ systemd: false }, { pid1: 'sshd', systemState: '' }));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error?.message).toBe(
      'vps: systemd does not run this machine (PID 1 is sshd, no /run/systemd/system): runtime systemd and pm2 keep services alive with systemd',
    );
    expect((error as RuntimeError).hint).toContain('provision vps without --runtime');
  });

  it('refuses systemd in rescue mode or shutting down', () => {
    const error = refusal(() => plan({}, { systemState: 'maintenance' }));
    expect(error?.message).toContain('systemctl is-system-running says "maintenance"');
  });

  it('refuses a user other than root, even with sudo: up runs as the login user', () => {
    const error = refusal(() => plan({ uid: 1000, sudo: true }, {}, 'systemd', 'deploy'));
    expect(error).toBeInstanceOf(RuntimeError);
    expect(error?.message).toContain(
      'vps: deploy is not root (sudo works, but notesctl up does not use it)',
    );
    expect((error as RuntimeError).hint).toContain('Provision and deploy as root@vps');
  });

  it('refuses an architecture without an official Node build, and accepts aarch64', () => {
    expect(refusal(() => plan({}, { arch: 'armv7l' }))?.message).toContain(
      'vps is armv7l: notesctl installs Node',
    );
    expect(plan({}, { arch: 'aarch64' }).steps).toEqual([]);
  });

  it('refuses too little disk, and only notes little memory', () => {
    expect(refusal(() => plan({}, { diskFreeKib: 300 * 1024 }))?.message).toContain(
      'vps: 300 MiB free under /opt: notesctl up needs at least 1024 MiB there',
    );
    expect(plan({}, { memoryKib: 480 * 1024 }).notes.join('\n')).toContain(
      'vps has 480 MiB of memory',
    );
  });

  it('needs credentials and shared mounts for systemd, not for pm2', () => {
    expect(refusal(() => plan({}, { systemdVersion: 245 }))?.message).toContain(
      'vps: systemd 245 has no LoadCredential=',
    );
    expect(refusal(() => plan({}, { runPropagation: 'private' }))?.message).toContain(
      'vps: /run is not a shared mount (private)',
    );
    expect(plan({}, { systemdVersion: 245, runPropagation: 'private' }, 'pm2').steps).toEqual([]);
  });

  it('refuses other systems and old releases with a UsageError naming the minimum', () => {
    const fedora = refusal(() => plan({ os: { ID: 'fedora', VERSION_ID: '40' } }));
    expect(fedora).toBeInstanceOf(UsageError);
    expect(fedora?.message).toContain('runtime: systemd runs on Debian (11+) and Ubuntu (22.04+)');
    const focal = refusal(() =>
      plan({ os: { ID: 'ubuntu', VERSION_ID: '20.04', PRETTY_NAME: 'Ubuntu 20.04.6 LTS' } }),
    );
    expect(focal?.message).toContain('needs Ubuntu 22.04 or newer');
    const derivative = plan({ os: { ID: 'raspbian', ID_LIKE: 'debian', VERSION_ID: '12' } });
    expect(derivative.notes[0]).toContain('a derivative of Debian');
  });
});
