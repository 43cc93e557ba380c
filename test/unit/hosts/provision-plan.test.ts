// What `provision ssh` does to a server, decided from facts alone (src/provision/ssh): the facts
// script's output parsed, supported systems, root or sudo, install, init system, idempotence.
import { describe, expect, it } from 'vitest';
import { RuntimeError, UsageError } from '../../../src/errors.ts';
import { parseFacts, type ServerFacts } from '../../../src/provision/ssh/facts.ts';
import { planBootstrap } from '../../../src/provision/ssh/plan.ts';

const debian12 = {
  ID: 'debian',
  VERSION_ID: '12',
  PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
};

const facts = (extra: Partial<ServerFacts> = {}): ServerFacts => ({
  uid: 0,
  sudo: false,
  os: debian12,
  systemd: true,
  apt: true,
  dockerCli: false,
  dockerd: false,
  cloudInit: false,
  socket: false,
  dockerGroup: false,
  ...extra,
});

const options = { host: 'web1', user: 'root', socket: '/run/docker.sock' };
const ids = (f: ServerFacts, o = options) => planBootstrap(f, o).steps.map((s) => s.id);

describe('parseFacts', () => {
  it('reads the script output, os-release quoting included', () => {
    const parsed = parseFacts(
      [
        'uid=1000',
        'os.PRETTY_NAME="Ubuntu 24.04.1 LTS"',
        'os.ID=ubuntu',
        'os.VERSION_ID="24.04"',
        "os.NAME='Ubuntu'",
        'os.ODD="say \\"hi\\""',
        'systemd=yes',
        'apt=yes',
        'docker_cli=yes',
        'sudo=yes',
        'garbage line',
      ].join('\n'),
    );
    expect(parsed).toEqual({
      uid: 1000,
      sudo: true,
      os: {
        PRETTY_NAME: 'Ubuntu 24.04.1 LTS',
        ID: 'ubuntu',
        VERSION_ID: '24.04',
        NAME: 'Ubuntu',
        ODD: 'say "hi"',
      },
      systemd: true,
      apt: true,
      dockerCli: true,
      dockerd: false,
      cloudInit: false,
      socket: false,
      dockerGroup: false,
    });
  });
});

describe('planBootstrap', () => {
  it('installs docker.io and enables it on a fresh systemd server, as root', () => {
    const plan = planBootstrap(facts(), options);
    expect(plan.asRoot).toBe('');
    expect(plan.steps.map((s) => s.id)).toEqual(['install-docker', 'enable-docker']);
    const install = plan.steps[0]?.script ?? '';
    expect(install).toContain('apt_locked install -y -q docker.io');
    expect(install).toContain('DPkg::Lock::Timeout');
    expect(install).toContain('deadline=$(( $(date +%s) + 300 ))');
    expect(plan.steps[1]?.script).toBe('systemctl enable --now docker.service');
    expect(plan.reconnect).toBe(false);
  });

  it('only makes sure Docker runs when it is installed (a re-run)', () => {
    const plan = planBootstrap(facts({ dockerd: true, dockerCli: true, socket: true }), options);
    expect(plan.steps.map((s) => s.id)).toEqual(['enable-docker']);
    expect(plan.notes).toContain('Docker is installed already');
  });

  it('starts dockerd itself and says so when systemd is not PID 1', () => {
    const plan = planBootstrap(facts({ dockerd: true, systemd: false }), options);
    expect(plan.steps.map((s) => s.id)).toEqual(['start-dockerd']);
    expect(plan.steps[0]?.script).toContain('setsid dockerd >>/var/log/dockerd.log');
    expect(plan.notes.join('\n')).toContain('Docker will not start at boot by itself');
    const custom = planBootstrap(facts({ dockerd: true, systemd: false }), {
      ...options,
      socket: '/srv/d.sock',
    });
    expect(custom.steps[0]?.script).toContain('setsid dockerd -H unix:///srv/d.sock');
  });

  it('waits for cloud-init first when it is there', () => {
    expect(ids(facts({ cloudInit: true }))).toEqual([
      'cloud-init',
      'install-docker',
      'enable-docker',
    ]);
  });

  it('uses sudo -n for a non-root user and adds them to the docker group', () => {
    const plan = planBootstrap(facts({ uid: 1000, sudo: true }), { ...options, user: 'deploy' });
    expect(plan.asRoot).toBe('sudo -n ');
    expect(plan.steps.map((s) => s.id)).toEqual([
      'install-docker',
      'enable-docker',
      'docker-group',
    ]);
    expect(plan.steps[2]?.script).toBe('usermod -aG docker deploy');
    expect(plan.reconnect).toBe(true);
    expect(
      planBootstrap(facts({ uid: 1000, sudo: true, dockerGroup: true }), options).reconnect,
    ).toBe(false);
  });

  it('refuses a non-root user without passwordless sudo', () => {
    expect(() => planBootstrap(facts({ uid: 1000 }), { ...options, user: 'deploy' })).toThrow(
      RuntimeError,
    );
  });

  it.each([
    [
      { ID: 'centos', VERSION_ID: '9', PRETTY_NAME: 'CentOS Stream 9' },
      'CentOS Stream 9: notesctl provisions Debian (11+) and Ubuntu (20.04+) only',
    ],
    [
      { ID: 'debian', VERSION_ID: '10', PRETTY_NAME: 'Debian GNU/Linux 10 (buster)' },
      'older than Docker 20.10',
    ],
    [
      { ID: 'ubuntu', VERSION_ID: '18.04', PRETTY_NAME: 'Ubuntu 18.04.6 LTS' },
      'older than Docker 20.10',
    ],
    [{}, 'unknown OS'],
  ])('refuses %o', (os, message) => {
    expect(() => planBootstrap(facts({ os }), options)).toThrow(UsageError);
    expect(() => planBootstrap(facts({ os }), options)).toThrow(message);
  });

  it('accepts Ubuntu 20.04 and Debian testing without a VERSION_ID', () => {
    expect(ids(facts({ os: { ID: 'ubuntu', VERSION_ID: '20.04' } }))).toContain('install-docker');
    expect(
      ids(facts({ os: { ID: 'debian', PRETTY_NAME: 'Debian GNU/Linux trixie/sid' } })),
    ).toContain('install-docker');
  });
});
