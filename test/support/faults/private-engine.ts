/**
 * A private Docker engine for fault tests that must stop or break an engine (issue 7): a test-bed
 * namespace host (test/bed/hosts.ts) with its own dockerd, used by notesctl as its *local*
 * engine through `DOCKER_HOST=unix://<socket>` — or as a remote host over SSH (`host` carries its
 * address and test key; the tests look at its engine through the socket). The machine's main
 * dockerd, which other suites share, is never touched.
 *
 * Its dockerd can be stopped (SIGTERM, as `systemctl stop docker` does) and started again the
 * way the bed started it: inside the host's network, mount and UTS namespaces (entered through
 * the host's sshd, which lives in all three), with the same flags as test/bed/host/host-init.sh.
 * The host cannot reach a registry or npm, so images are copied in from the main engine.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { pingEngine } from '../../bed/engine.ts';
import { startHost, type TestHost } from '../../bed/hosts.ts';
import { isRunning } from '../../bed/procs.ts';

/** A namespace host whose engine stands in for "the local engine". */
export interface PrivateEngine {
  host: TestHost;
  /** The engine's socket, seen from the machine. */
  socketPath: string;
  /** `unix://…` for notesctl's DOCKER_HOST. */
  dockerHost: string;
  docker: Docker;
  /** Where the engine's published ports answer (the host's address). */
  address: string;
  /** Copy images from the main engine (one `docker save | docker load`). */
  copyImages(refs: string[]): Promise<void>;
  /** Stop dockerd gracefully (SIGTERM, wait); resolves with the ms it took. */
  stopDockerd(): Promise<number>;
  /** Start dockerd again; resolves with the ms until it answers. */
  startDockerd(): Promise<number>;
  /** Run a bash script as root inside the host (its /run, /var/lib/docker…); resolves with stdout. */
  shell(script: string): Promise<string>;
  stop(): Promise<void>;
}

const MAIN_SOCKET = '/run/docker.sock';

/** Start a host named `name` (a-z, 0-9, -) and wrap its engine. */
export async function startPrivateEngine(name: string): Promise<PrivateEngine> {
  const host = await startHost(name);
  const root = dirname(dirname(host.dockerSocket)); // the host's directory: <root>/run/docker.sock
  const pidOf = (file: string): number | undefined => {
    try {
      const pid = Number(readFileSync(join(root, 'run', file), 'utf8').trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  const answers = () => pingEngine({ kind: 'unix', socketPath: host.dockerSocket }, 1000);
  return {
    host,
    socketPath: host.dockerSocket,
    dockerHost: `unix://${host.dockerSocket}`,
    docker: new Docker({ socketPath: host.dockerSocket }),
    address: host.address,
    copyImages: (refs) => copyImages(refs, host.dockerSocket),
    async stopDockerd() {
      const started = performance.now();
      const pid = pidOf('docker.pid');
      if (pid === undefined) throw new Error(`no dockerd pid file under ${root}/run`);
      process.kill(pid, 'SIGTERM');
      // dockerd stops every container (each with its stop timeout) before it exits.
      const deadline = Date.now() + 90_000;
      while (isRunning(pid)) {
        if (Date.now() > deadline) throw new Error(`dockerd ${pid} still running after 90 s`);
        await sleep(50);
      }
      return performance.now() - started;
    },
    async startDockerd() {
      const started = performance.now();
      const anchor = pidOf('sshd.pid');
      if (anchor === undefined) throw new Error(`no sshd pid file under ${root}/run`);
      // The same command as host-init.sh, in the host's namespaces (its /run, /var/lib/docker…).
      await inHost(
        anchor,
        'setsid dockerd --data-root /var/lib/docker --exec-root /run/docker ' +
          '--pidfile /run/docker.pid -H unix:///run/docker.sock </dev/null >>/var/log/dockerd.log 2>&1 &',
      );
      const deadline = Date.now() + 60_000;
      while (!(await answers())) {
        if (Date.now() > deadline)
          throw new Error(`dockerd did not answer within 60 s (log: ${host.logDir}/dockerd.log)`);
        await sleep(50);
      }
      return performance.now() - started;
    },
    shell(script) {
      const anchor = pidOf('sshd.pid');
      if (anchor === undefined) throw new Error(`no sshd pid file under ${root}/run`);
      return inHost(anchor, script);
    },
    stop: () => host.stop(),
  };
}

/** Run `script` with bash in the network, mount and UTS namespaces of process `anchor`. */
function inHost(anchor: number, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'nsenter',
      ['-t', String(anchor), '--net', '--mount', '--uts', '--', 'bash', '-c', script],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`in host: exit ${code}: ${err.slice(-500)}`)),
    );
  });
}

/** Stream `GET /images/get?names=…` from the main engine into `POST /images/load` on `target`. */
async function copyImages(refs: string[], target: string): Promise<void> {
  const query = refs.map((r) => `names=${encodeURIComponent(r)}`).join('&');
  await new Promise<void>((resolve, reject) => {
    const save = request({ socketPath: MAIN_SOCKET, path: `/images/get?${query}` }, (saved) => {
      if (saved.statusCode !== 200) {
        reject(new Error(`docker save ${refs.join(' ')}: HTTP ${saved.statusCode}`));
        saved.resume();
        return;
      }
      const load = request(
        {
          socketPath: target,
          method: 'POST',
          path: '/images/load?quiet=1',
          headers: { 'content-type': 'application/x-tar' },
        },
        (loaded) => {
          let text = '';
          loaded.on('data', (c: Buffer) => (text += c.toString()));
          loaded.on('end', () =>
            loaded.statusCode === 200 && !text.includes('"error"')
              ? resolve()
              : reject(new Error(`docker load: HTTP ${loaded.statusCode} ${text.slice(0, 500)}`)),
          );
        },
      );
      load.on('error', reject);
      saved.pipe(load);
    });
    save.on('error', reject);
    save.end();
  });
}
