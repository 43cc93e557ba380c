// The test bed proves itself (issue 2, part 3): a container on the local engine answers; a
// container started on a namespace host through its sshd answers; the mariadb stand-in honours the
// official contract; the delay proxy adds at least the asked delay each way; and stopping a host
// leaves no namespace, veth, dockerd or sshd behind.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { Client } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { startDelayProxy } from '../bed/delay-proxy.ts';
import { docker } from '../bed/docker-cli.ts';
import { listHosts, startHost, type TestHost } from '../bed/hosts.ts';
import { debianImage, mariadbImage, nodeImage } from '../bed/images.ts';
import { commandName, isRunning, processesInNamespace, startTime } from '../bed/procs.ts';

const run = `tb${process.pid}`;

/** Poll `probe` until it returns a value, or fail after `ms`. */
async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: nothing within ${ms} ms`);
    await sleep(200);
  }
}

async function httpText(url: string): Promise<string | undefined> {
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  return response.ok ? await response.text() : undefined;
}

async function text(stream: Duplex): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += String(chunk);
  return out;
}

/** Quote one word for the remote shell that sshd runs the command with. */
function sh(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Run a command on a test host through its sshd, as a deploy tool would. */
function ssh(host: TestHost, words: string[]) {
  const command = words.map(sh).join(' ');
  return execa('ssh', [...host.sshOptions, `${host.user}@${host.address}`, command], { all: true });
}

/** An ssh2 connection to the host with the test key, checking the host key. */
async function connectSsh2(host: TestHost): Promise<Client> {
  const [, key] = host.hostPublicKey.split(' ');
  const expected = Buffer.from(key ?? '', 'base64');
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.on('ready', resolve).on('error', reject);
    client.connect({
      host: host.address,
      port: host.sshPort,
      username: host.user,
      privateKey: readFileSync(host.identityFile),
      hostVerifier: (presented: Buffer) => presented.equals(expected),
    });
  });
  return client;
}

/** Open a stream to a unix socket on the host (what `docker -H ssh://` and notesctl use). */
function forwardToSocket(client: Client, path: string): Promise<Duplex> {
  return new Promise((resolve, reject) =>
    client.openssh_forwardOutStreamLocal(path, (err, stream) =>
      err ? reject(err) : resolve(stream),
    ),
  );
}

describe('local engine', () => {
  const name = `notesctl-${run}-node`;
  afterAll(() => docker(['rm', '-f', name], { reject: false }));

  it('runs a container from the node image whose published port answers', async () => {
    const server = `require('http').createServer((q, s) => s.end('node ' + process.version)).listen(8080)`;
    await docker(['run', '-d', '--name', name, '-p', '127.0.0.1::8080', nodeImage, '-e', server]);
    const port = (await docker(['port', name, '8080/tcp'])).stdout.split('\n')[0] ?? '';
    const body = await until('local container', 30_000, () => httpText(`http://${port}/`));
    expect(body).toMatch(/^node v24\./);
  });
});

describe('mariadb image', () => {
  const name = `notesctl-${run}-mariadb`;
  let dir: string | undefined;
  afterAll(async () => {
    await docker(['rm', '-f', '-v', name], { reject: false });
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to initialise without a root password option', async () => {
    const result = await docker(['run', '--rm', mariadbImage], {
      reject: false,
      timeoutMs: 60_000,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.all).toContain('password option is not specified');
  });

  it('initialises from *_FILE secrets, runs init scripts and goes healthy only after init', async () => {
    dir = mkdtempSync(join(tmpdir(), 'notesctl-testbed-secrets-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'root'), 'r00t secret\n', { mode: 0o600 });
    writeFileSync(join(dir, 'db'), 'notes');
    writeFileSync(join(dir, 'user'), 'notes_app');
    writeFileSync(join(dir, 'password'), `it's a \\ secret`, { mode: 0o600 });
    // Runs while the temporary server is up: healthcheck.sh must not say healthy then.
    const probe = `healthcheck.sh --connect --innodb_initialized && echo healthy >/var/lib/mysql/during-init || echo unhealthy >/var/lib/mysql/during-init`;
    writeFileSync(join(dir, '10-probe.sh'), `#!/bin/sh\n${probe}\n`, { mode: 0o755 });
    writeFileSync(join(dir, '20-table.sql'), 'CREATE TABLE notes (id INT PRIMARY KEY);\n');
    await docker([
      ...['run', '-d', '--name', name, '-v', `${dir}:/run/secrets:ro`],
      ...['-v', `${dir}/10-probe.sh:/docker-entrypoint-initdb.d/10-probe.sh:ro`],
      ...['-v', `${dir}/20-table.sql:/docker-entrypoint-initdb.d/20-table.sql:ro`],
      ...['-e', 'MARIADB_ROOT_PASSWORD_FILE=/run/secrets/root'],
      ...['-e', 'MYSQL_DATABASE_FILE=/run/secrets/db', '-e', 'MARIADB_USER_FILE=/run/secrets/user'],
      ...['-e', 'MARIADB_PASSWORD_FILE=/run/secrets/password'],
      ...['--health-cmd', 'healthcheck.sh --connect --innodb_initialized'],
      ...['--health-interval', '1s', '--health-retries', '120', mariadbImage],
    ]);
    await until('healthy mariadb', 120_000, async () => {
      const health = await docker(['inspect', '-f', '{{.State.Health.Status}}', name]);
      return health.stdout === 'healthy' ? true : undefined;
    });
    const during = await docker(['exec', name, 'cat', '/var/lib/mysql/during-init']);
    expect(during.stdout).toBe('unhealthy');
    // The application user logs in over TCP with the password from its file and sees its table.
    const tables = await docker([
      ...['exec', name, 'mariadb', '-h', '127.0.0.1', '-u', 'notes_app'],
      ...[`-pit's a \\ secret`, 'notes', '-N', '-e', 'SHOW TABLES'],
    ]);
    expect(tables.stdout).toBe('notes');
    const grants = await docker([
      ...['exec', name, 'mariadb', '-h', '127.0.0.1', '-u', 'root', '-pr00t secret', '-N'],
      ...['-e', "SHOW GRANTS FOR 'notes_app'@'%'"],
    ]);
    expect(grants.stdout).toContain('ON `notes`.* TO `notes_app`@`%`');
    const server = await docker(['exec', name, 'ps', '-o', 'user=,comm=', '-p', '1']);
    expect(server.stdout).toMatch(/^mysql\s+mariadbd$/);
  });
});

describe('delay proxy', () => {
  it('adds at least the asked delay in each direction and counts connections and bytes', async () => {
    const delayMs = 40;
    const arrivals: number[] = [];
    const echo = createServer((socket) =>
      socket.on('data', (chunk) => {
        arrivals.push(performance.now());
        socket.write(chunk);
      }),
    );
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const echoPort = (echo.address() as AddressInfo).port;
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: echoPort, delayMs });
    try {
      const rounds = async (port: number) => {
        const socket = await new Promise<Socket>((resolve) => {
          const s = connect(port, '127.0.0.1', () => resolve(s));
        });
        const trips: { out: number; back: number }[] = [];
        for (let i = 0; i < 5; i += 1) {
          arrivals.length = 0;
          const sent = performance.now();
          const answered = new Promise<number>((resolve) =>
            socket.once('data', () => resolve(performance.now())),
          );
          socket.write(`ping ${i}\n`);
          const back = await answered;
          const arrived = arrivals[0] ?? Number.NaN;
          trips.push({ out: arrived - sent, back: back - arrived });
        }
        socket.destroy();
        return trips;
      };
      const direct = await rounds(echoPort);
      const delayed = await rounds(proxy.port);
      for (const trip of delayed) {
        expect(trip.out).toBeGreaterThanOrEqual(delayMs);
        expect(trip.back).toBeGreaterThanOrEqual(delayMs);
      }
      expect(Math.max(...direct.map((t) => t.out + t.back))).toBeLessThan(delayMs);
      expect(proxy.stats.connections).toBe(1);
      expect(proxy.stats.bytesToTarget).toBe(5 * 'ping 0\n'.length);
      expect(proxy.stats.bytesFromTarget).toBe(5 * 'ping 0\n'.length);
    } finally {
      await proxy.close();
      echo.close();
    }
  });

  it('delivers what was sent before a reset, then ends the other side', async () => {
    const delayMs = 40;
    const received: Buffer[] = [];
    const ended = Promise.withResolvers<undefined>();
    const target = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.on('error', () => undefined);
      socket.once('close', () => ended.resolve(undefined));
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetPort = (target.address() as AddressInfo).port;
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort, delayMs });
    try {
      const socket = await new Promise<Socket>((resolve) => {
        const s = connect(proxy.port, '127.0.0.1', () => resolve(s));
      });
      // Written, then reset at once: the reset reaches the proxy long before the data is due.
      socket.write('last words', () => socket.resetAndDestroy());
      await ended.promise;
      expect(Buffer.concat(received).toString()).toBe('last words');
      await expect.poll(() => proxy.stats.active).toBe(0);
    } finally {
      await proxy.close();
      target.close();
    }
  });
});

/** Running dockerd/containerd/sshd processes outside this machine's own network namespace. */
function bedProcesses(): number[] {
  const ownNet = processesInNamespace('net', '/proc/self/ns/net');
  const own = new Set(ownNet);
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => /^(dockerd|containerd|containerd-shim.*|sshd)$/.test(commandName(pid)))
    .filter((pid) => isRunning(pid) && !own.has(pid));
}

/** What a host leaves if teardown fails: its processes (pid + start time), netns, veth and dir. */
function footprint(host: TestHost) {
  const record = listHosts().find((h) => h.name === host.name);
  if (record === undefined) throw new Error(`no record of ${host.name}`);
  const pids = processesInNamespace('net', `/var/run/netns/${record.netns}`);
  return { record, processes: pids.map((pid) => ({ pid, start: startTime(pid) })) };
}

/** Stop the host and check that nothing of it is left. */
async function expectCleanTeardown(host: TestHost): Promise<void> {
  const { record, processes } = footprint(host);
  const names = processes.map((p) => commandName(p.pid));
  expect(names).toContain('sshd');
  const started = performance.now();
  await host.stop();
  console.log(`host ${host.name} stopped in ${Math.round(performance.now() - started)} ms`);
  expect((await execa('ip', ['netns', 'list'])).stdout).not.toMatch(
    new RegExp(`^${record.netns}\\b`, 'm'),
  );
  expect((await execa('ip', ['-o', 'link'])).stdout).not.toMatch(
    new RegExp(`: ${record.veth}[@:]`),
  );
  expect(processes.filter((p) => isRunning(p.pid) && startTime(p.pid) === p.start)).toEqual([]);
  expect(existsSync(record.dir)).toBe(false);
  expect(listHosts().map((h) => h.name)).not.toContain(host.name);
  // With no other test host up (other files may run in parallel), no bed process may be left at all.
  if (listHosts().length === 0) expect(bedProcesses()).toEqual([]);
}

describe('namespace test host', () => {
  let host: TestHost;
  afterAll(async () => {
    // Also when a test failed half-way; stopping twice is fine.
    await (host as TestHost | undefined)?.stop();
  });

  it('comes up with its own sshd and engine; sessions see that engine at /run/docker.sock', async () => {
    const started = performance.now();
    host = await startHost(`${run}-a`);
    console.log(`host ${host.name} started in ${Math.round(performance.now() - started)} ms`);
    expect(host.address).toMatch(/^10\.77\.\d+\.2$/);
    const remote = await ssh(host, ['sh', '-c', 'hostname; docker info --format "{{.ID}}"']);
    const [hostname, remoteId] = remote.stdout.split('\n');
    expect(hostname).toBe(host.name);
    const env = { DOCKER_HOST: `unix://${host.dockerSocket}` };
    const hostEngine = await docker(['info', '--format', '{{.ID}}'], { env });
    const mainEngine = await docker(['info', '--format', '{{.ID}}']);
    expect(remoteId).toBe(hostEngine.stdout);
    expect(remoteId).not.toBe(mainEngine.stdout);
  });

  it('forwards its /run/docker.sock over SSH to its own engine', async () => {
    const client = await connectSsh2(host);
    try {
      const stream = await forwardToSocket(client, '/run/docker.sock');
      stream.end('GET /info HTTP/1.0\r\nHost: docker\r\n\r\n');
      const response = await text(stream);
      expect(response).toMatch(/^HTTP\/1\.0 200/);
      expect(response).toContain(`"Name":"${host.name}"`);
    } finally {
      client.end();
    }
  });

  it('runs a container started through its sshd, answering on a published port at its address', async () => {
    await execa('docker', ['save', debianImage]).pipe('ssh', [
      ...host.sshOptions,
      `root@${host.address}`,
      'docker load',
    ]);
    const server = [
      'my $s = IO::Socket::INET->new(LocalPort => 8080, Listen => 5, ReuseAddr => 1) or die $!;',
      'while (my $c = $s->accept) { while (my $l = <$c>) { last if $l =~ /^\\r?\\n$/ }',
      'print $c "HTTP/1.0 200 OK\\r\\n\\r\\nhello from $ENV{HOSTNAME}"; close $c }',
    ].join(' ');
    const started = await ssh(host, [
      ...['docker', 'run', '-d', '--name', 'web', '-p', '8080:8080', debianImage],
      ...['perl', '-MIO::Socket::INET', '-e', server],
    ]);
    const id = started.stdout.trim().slice(0, 12);
    const body = await until('host container', 30_000, () =>
      httpText(`http://${host.address}:8080/`),
    );
    expect(body).toBe(`hello from ${id}`);
    const mainEngine = await docker(['ps', '-q', '--no-trunc']);
    expect(mainEngine.stdout).not.toContain(started.stdout.trim());
  });

  it('takes a delay proxy in front of its sshd, which counts one connection per ssh command', async () => {
    // The proxy's delay itself is measured exactly by the echo test above; here ssh timings on a
    // loaded 2-core machine vary by more than a few round trips, so they are reported, not asserted.
    const delayMs = 25;
    const proxy = await startDelayProxy({ targetHost: host.address, targetPort: 22, delayMs });
    try {
      const via = [
        '-p',
        String(proxy.port),
        '-o',
        `HostKeyAlias=${host.address}`,
        'root@127.0.0.1',
      ];
      const t = performance.now();
      const result = await execa('ssh', [...host.sshOptions, ...via, 'hostname']);
      console.log(
        `ssh through the proxy at ${delayMs} ms each way: ${Math.round(performance.now() - t)} ms`,
      );
      expect(result.stdout).toBe(host.name);
      expect(proxy.stats.connections).toBe(1);
      expect(proxy.stats.bytesToTarget).toBeGreaterThan(1000);
      expect(proxy.stats.bytesFromTarget).toBeGreaterThan(1000);
    } finally {
      await proxy.close();
    }
  });

  it('is torn down: no namespace, veth, dockerd, sshd or directory left', async () => {
    await expectCleanTeardown(host);
  });
});

describe('namespace test host to provision', () => {
  let host: TestHost;
  afterAll(async () => {
    // Also when a test failed half-way; stopping twice is fine.
    await (host as TestHost | undefined)?.stop();
  });

  it('can run without dockerd and without stream-local forwarding', async () => {
    host = await startHost(`${run}-b`, {
      dockerd: false,
      sshd: { allowStreamLocalForwarding: false },
    });
    // docker.io is "installed" (shared file system) but no engine answers at the host's own socket.
    const probe = await ssh(host, ['sh', '-c', 'command -v dockerd && docker info']).catch(
      (e: unknown) => e,
    );
    expect(String((probe as { all?: string }).all)).toMatch(
      /dockerd[\s\S]*(Cannot connect|docker daemon)/,
    );
    const client = await connectSsh2(host);
    try {
      const refused = await forwardToSocket(client, '/run/docker.sock').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
      // sshd refused by configuration (the socket is not merely missing, as it is on this host).
      const logged = await until('sshd refusal', 5000, () => {
        const text = readFileSync(join(host.logDir, 'sshd.log'), 'utf8');
        return Promise.resolve(
          text.includes('refused streamlocal port forward') ? text : undefined,
        );
      });
      expect(logged).toContain('refused streamlocal port forward');
    } finally {
      client.end();
    }
  });

  it('gets a dockerd from the bed engine step, which replaces a stale pid file', async () => {
    // The host is a machine of its own (own /run, /var/lib/docker, /var/log), so ensureEngine's
    // start path runs there for real without touching this machine's engine.
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const script = `echo 999999 >/run/docker.pid && cd ${sh(repo)} && ${sh(process.execPath)} scripts/testbed.ts engine`;
    const started = await ssh(host, ['sh', '-c', script]);
    expect(started.all).toContain('removing stale /var/run/docker.pid');
    expect(started.all).toContain('engine started');
    const info = await ssh(host, ['docker', 'info', '--format', '{{.Name}}']);
    expect(info.stdout).toBe(host.name);
    const again = await ssh(host, [
      'sh',
      '-c',
      `cd ${sh(repo)} && ${sh(process.execPath)} scripts/testbed.ts engine`,
    ]);
    expect(again.all).toContain('engine running');
  });

  it('is torn down: no namespace, veth, dockerd, sshd or directory left', async () => {
    await expectCleanTeardown(host);
  });
});
