/**
 * The `systemd` target (issue 21): a project's services on a plain Debian/Ubuntu server, run by
 * systemd, reached over one SSH connection. Node apps are units (one hardened unit per service,
 * releases built on the operator's machine), `mariadb:*` services are databases on the host's
 * one MariaDB server, and service names resolve through a managed /etc/hosts block. Everything
 * runs as a script of src/targets/systemd/scripts.ts through the host's Shell.
 */
import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pack } from 'tar-stream';
import type { DatabaseLogin } from '../../backup/mariadb.ts';
import type { Shell } from '../../engine/shell.ts';
import { UsageError } from '../../errors.ts';
import type { Topology } from '../../model/topology.ts';
import type { HostInput, Plan } from '../../plan/types.ts';
import type {
  BuiltImage,
  DatabaseDump,
  DatabaseRestore,
  ExecuteOptions,
  InstanceStatus,
  LogLine,
  LogOptions,
  PlanDownOptions,
  PlannedDown,
  PlannedUp,
  PlanUpOptions,
  Target,
  HostLockStore,
  RecordedRelease,
  TargetExecOptions,
  WaitHealthyOptions,
} from '../target.ts';
import {
  appendRelease,
  type Release,
  type ReleaseAuthor,
  type ReleaseCandidate,
} from '../../releases/history.ts';
import { readHistory, removeHistory, writeHistory } from './history.ts';
import { fileHostLock } from './host-lock.ts';
import { databaseName, isDatabase } from './desired.ts';
import { planPlainDown } from './plan-down.ts';
import { executeSystemdPlan } from './execute.ts';
import { unitName } from './names.ts';
import { healthArgv } from './health-argv.ts';
import {
  planSystemdUp,
  releaseCandidate,
  SYSTEMD_RUNTIME,
  type PlainRuntime,
  type SystemdPlanned,
} from './plan-up.ts';
import { shellQuote as q } from './quote.ts';
import { packRelease, releaseOf } from './release.ts';
import { ReleaseShipments } from './ship-release.ts';
import { databaseCheck, inServiceScript, unitStateCommand } from './scripts.ts';
import { systemdStatus } from './status.ts';
import { DEFAULT_NODE_SETTINGS } from '../../model/node.ts';
import { majorOf, wantedNode } from './node-dist.ts';

async function tarOf(files: { name: string; content: Buffer }[]): Promise<Buffer> {
  const archive = pack();
  for (const f of files) archive.entry({ name: f.name, mode: 0o600 }, f.content);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A plain server run by systemd, as a deployment target. */
export class SystemdTarget implements Target {
  readonly runtime: 'systemd' | 'pm2' = 'systemd';
  readonly host: string;
  protected readonly topology: Topology;
  protected readonly shell: Shell;
  /** The last plan made, with what running it needs (releases, secrets). */
  protected planned: SystemdPlanned | undefined;
  /** The releases the last plan ships, and what each sent. */
  private shipments: ReleaseShipments | undefined;
  /** How apps run: systemd units here; the pm2 target swaps this for PM2 apps. */
  protected readonly plain: PlainRuntime = SYSTEMD_RUNTIME;

  constructor(host: string, topology: Topology, shell: Shell) {
    this.host = host;
    this.topology = topology;
    this.shell = shell;
  }

  beginTeardown(): void {}

  async finishInherited(): Promise<void> {
    // Every step is a whole script that converges when run again: nothing to resend.
  }

  async planUp(services: string[], options: PlanUpOptions): Promise<PlannedUp> {
    this.planned = await planSystemdUp(
      this.shell,
      this.topology,
      this.host,
      services,
      options,
      this.plain,
    );
    const { plan, releases, secrets } = this.planned;
    this.shipments = new ReleaseShipments(this.shell, this.topology.project);
    const value = (secret: string) => {
      const content = secrets.values.get(secret);
      if (!content) throw new Error(`bug: secret ${secret} was not resolved`);
      return content;
    };
    return {
      plan,
      release: releaseCandidate(this.planned),
      images: plan.operations
        .filter((o) => o.id.startsWith('release:'))
        .map((o) => ({
          service: o.id.slice(8),
          action: 'build' as const,
          ref: `release ${releases.get(o.id.slice(8))?.id ?? ''}`,
        })),
      shipped: this.shipments.sent,
      secretFiles: () => [],
      proxySecrets: value,
      missingSecrets: secrets.missing,
    };
  }

  /** The bytes a step reads on stdin. */
  protected input(input: HostInput): Promise<Buffer | Readable> {
    const { planned, shipments } = this;
    if (!planned || !shipments) throw new Error('bug: execute before planUp');
    const value = (secret: string) => planned.secrets.values.get(secret) ?? Buffer.alloc(0);
    switch (input.kind) {
      case 'node':
        return planned.node.fetch().then((file) => createReadStream(file));
      case 'release':
        return shipments.input(planned.releases.get(input.service), planned.major);
      case 'credentials': {
        const app = planned.desired.apps.find((a) => a.service === input.service);
        const files = Object.entries(app?.credentials ?? {}).map(([name, secret]) => ({
          name,
          content: value(secret),
        }));
        return tarOf(files);
      }
      case 'database': {
        const db = planned.desired.databases.find((d) => d.service === input.service);
        return Promise.resolve(value(db?.passwordSecret ?? ''));
      }
      default:
        return Promise.reject(new Error(`bug: ${input.kind} input on runtime: ${this.runtime}`));
    }
  }

  /** How a service's readiness is read (the database's, or the app's own check). */
  protected readiness(service: string): { name: string; state: string; check: string | undefined } {
    // Without a plan (restore's waits), a database service's name is the topology's.
    const s = this.topology.services[service];
    const database =
      this.planned?.desired.databases.find((d) => d.service === service)?.database ??
      (s && isDatabase(s) ? databaseName(s) : undefined);
    if (database !== undefined) {
      const unit = 'mariadb.service';
      return { name: unit, state: unitStateCommand(unit), check: databaseCheck(database) };
    }
    const unit = unitName(this.topology.project, service);
    const argv = healthArgv(s?.healthcheck);
    return {
      name: unit,
      state: unitStateCommand(unit),
      check: argv ? inServiceScript(unit, argv, { exec: false }) : undefined,
    };
  }

  /** The last log lines of a service, for a failure's message. */
  protected async journalTail(service: string, lines = 15): Promise<string> {
    const unit = isDatabase(this.topology.services[service] ?? ({} as never))
      ? 'mariadb.service'
      : unitName(this.topology.project, service);
    const result = await this.shell.run(`journalctl -u ${q(unit)} -n ${lines} -o cat --no-pager`);
    return result.stdout.trimEnd();
  }

  planDown({ volumes }: PlanDownOptions): Promise<PlannedDown> {
    return planPlainDown(this.shell, this.topology, this.host, this.plain, volumes);
  }

  async execute(plan: Plan, options: ExecuteOptions): Promise<void> {
    // Node is fetched and verified before any step runs: a bad download changes nothing there.
    if (plan.operations.some((o) => o.id === 'node')) await this.planned?.node.fetch();
    await executeSystemdPlan(plan, {
      shell: this.shell,
      host: this.host,
      input: (input) => this.input(input),
      readiness: (service) => this.readiness(service),
      outcome: (input) => this.shipments?.said(input),
      journalTail: (service) => this.journalTail(service),
      onEvent: options.onEvent,
      signal: options.signal,
    });
  }

  async status(): Promise<InstanceStatus[]> {
    return systemdStatus(
      this.topology,
      this.host,
      await this.plain.observe(this.shell, this.topology.project),
    );
  }

  async logs(
    services: string[],
    options: LogOptions,
    onLine: (service: string, line: LogLine) => void,
  ): Promise<void> {
    await Promise.all(
      services.map(async (service) => {
        const s = this.topology.services[service];
        if (!s) return;
        const unit = isDatabase(s) ? 'mariadb.service' : unitName(this.topology.project, service);
        const args = [
          `-u ${q(unit)}`,
          '--no-pager',
          options.timestamps ? '-o short-iso' : '-o cat',
          options.tail === undefined ? '' : `-n ${options.tail}`,
          options.since === undefined ? '' : `--since=@${Math.floor(options.since)}`,
          options.follow ? '-f' : '',
        ];
        let pending = '';
        await this.shell.run(`journalctl ${args.filter(Boolean).join(' ')}`, {
          ...(options.signal ? { signal: options.signal } : {}),
          onStdout: (chunk) => {
            const lines = (pending + chunk.toString('utf8')).split('\n');
            pending = lines.pop() ?? '';
            for (const text of lines) onLine(service, { stream: 'stdout', text });
          },
        });
        if (pending) onLine(service, { stream: 'stdout', text: pending });
      }),
    );
  }

  async exec(service: string, { onAttach, ...options }: TargetExecOptions): Promise<number> {
    const s = this.topology.services[service];
    if (!s || isDatabase(s)) {
      throw new UsageError(
        `exec: ${service} is not a unit on ${this.host} (runtime: systemd runs databases in the host's MariaDB server)`,
        {
          hint: `Use notesctl hosts ssh ${this.host} and the mariadb client for databases.`,
        },
      );
    }
    const { stdout, stderr } = options;
    if (!stdout || !stderr) throw new Error('bug: exec without output streams');
    onAttach?.();
    return this.shell.attach(
      inServiceScript(unitName(this.topology.project, service), options.cmd, { exec: true }),
      {
        stdin: options.stdin,
        stdout,
        stderr,
        tty: options.tty === true,
      },
    );
  }

  async build(services: string[]): Promise<BuiltImage[]> {
    const apps = services
      .map((s) => this.topology.services[s])
      .filter((s) => s?.image.kind === 'build');
    const major = majorOf(
      await wantedNode(
        this.topology.hosts[this.host]?.node ?? DEFAULT_NODE_SETTINGS,
        apps.map((s) => (s?.image.kind === 'build' ? s.image.context : '')),
      ),
    );
    const built: BuiltImage[] = [];
    for (const s of apps) {
      if (!s) continue;
      const ref = await releaseOf(this.topology.project, s, major);
      await packRelease(ref, major);
      built.push({ service: s.name, ref: `release ${ref.id}`, id: ref.id });
    }
    return built;
  }

  async dumpDatabase(
    login: DatabaseLogin,
    out: Writable,
    options: { signal: AbortSignal },
  ): Promise<DatabaseDump> {
    const { dumpPlainDatabase } = await import('./database-backup.ts');
    return dumpPlainDatabase(this.shell, login, out, options);
  }

  async restoreDatabase(
    login: DatabaseLogin,
    dump: Readable,
    options: { signal: AbortSignal },
  ): Promise<DatabaseRestore> {
    const { restorePlainDatabase } = await import('./database-backup.ts');
    return restorePlainDatabase(this.shell, login, dump, options);
  }

  async queryDatabase(login: DatabaseLogin, sql: string): Promise<string> {
    const { queryPlainDatabase } = await import('./database-backup.ts');
    return queryPlainDatabase(this.shell, login, sql);
  }

  archiveVolume(volume: string): Promise<{ paused: string[] }> {
    return Promise.reject(this.volumeRefusal(`a backup of volume ${volume}`, volume));
  }

  restoreVolume(volume: string): Promise<{ stopped: string[] }> {
    return Promise.reject(this.volumeRefusal(`a restore of volume ${volume}`, volume));
  }

  /**
   * Volumes other than a database's are not backed up on a plain server yet (issue 23): only
   * database services are. The error says where the files are and how to copy them by hand.
   */
  private volumeRefusal(what: string, volume: string): UsageError {
    const { project } = this.topology;
    const users = Object.values(this.topology.services)
      .filter((s) => s.host === this.host && s.volumes.some((v) => v.volume === volume))
      .map((s) => unitName(project, s.name));
    const databases = Object.values(this.topology.services)
      .filter((s) => s.host === this.host && isDatabase(s))
      .map((s) => s.name);
    return new UsageError(
      `${what} on ${this.host} (runtime: ${this.runtime}) is not supported yet: on a plain server notesctl backs up database services only`,
      {
        hint: `${databases.length > 0 ? `Back up the databases alone (notesctl backup ${databases.join(' ')}). ` : ''}The volume's files are in /var/lib/notesctl-${project}/${volume} on the server: stop ${users.join(', ') || 'the services that mount it'} and copy them with tar (notesctl hosts ssh ${this.host}).`,
      },
    );
  }

  hostLock(): HostLockStore {
    return fileHostLock(this.shell, this.topology.project);
  }

  async waitHealthy(service: string, options: WaitHealthyOptions): Promise<void> {
    const s = this.topology.services[service];
    const readiness = { test: s?.healthcheck?.test ?? ['notesctl'], timeoutMs: 60_000 };
    const plan: Plan = {
      project: this.topology.project,
      host: this.host,
      operations: [
        {
          id: `ready:${service}`,
          operation: {
            kind: 'wait-ready',
            service,
            condition: 'healthy',
            containerId: undefined,
            readiness,
          },
          after: [],
          cause: 'asked',
        },
      ],
      unchanged: [],
      orphans: [],
    };
    await this.execute(plan, {
      signal: options.signal,
      onEvent: (e) => {
        if (e.type === 'op-progress') options.onProgress(e.text);
      },
    });
  }

  async releases(): Promise<Release[]> {
    return readHistory(this.shell, this.topology.project);
  }

  async recordRelease(
    candidate: ReleaseCandidate,
    author: ReleaseAuthor,
  ): Promise<RecordedRelease | undefined> {
    const next = appendRelease(await this.releases(), candidate, author);
    if (!next) return undefined;
    await writeHistory(this.shell, this.topology.project, next.history);
    // Old releases are pruned on the server as each service is deployed (scripts.ts).
    return { release: next.release, removedImages: [] };
  }

  forgetReleases(): Promise<void> {
    return removeHistory(this.shell, this.topology.project);
  }

  explain(error: unknown): Promise<unknown> {
    return Promise.resolve(this.shell.lost() ?? error);
  }

  close(): Promise<void> {
    return this.shell.close();
  }
}
