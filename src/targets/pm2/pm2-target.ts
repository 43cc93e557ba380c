/**
 * The `pm2` target (issue 21): the systemd target's plain server — Node installed by notesctl,
 * releases, the host's MariaDB, the /etc/hosts block, the same plan and history — with PM2 as
 * the supervisor of the apps. What differs is here: the PM2 bundle shipped on set-up, how an app's
 * readiness and logs are read (PM2's state, its log files) and how `exec` enters an app.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { UsageError } from '../../errors.ts';
import type { HostInput } from '../../plan/types.ts';
import { isDatabase } from '../systemd/desired.ts';
import { healthArgv } from '../systemd/health-argv.ts';
import { serviceDir } from '../systemd/names.ts';
import type { PlainRuntime } from '../systemd/plan-up.ts';
import { shellQuote as q } from '../systemd/quote.ts';
import { SystemdTarget } from '../systemd/systemd-target.ts';
import type { LogLine, LogOptions, TargetExecOptions } from '../target.ts';
import { packPm2Bundle, pm2Bundle } from './bundle.ts';
import { appName, logDir } from './names.ts';
import { PM2_RUNTIME } from './runtime.ts';
import { inAppScript, pm2StateCommand } from './scripts.ts';

/** PM2's log line prefix (`log_date_format` and ": "). */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:?\d\d): /;

/** A plain server whose apps PM2 runs, as a deployment target. */
export class Pm2Target extends SystemdTarget {
  override readonly runtime = 'pm2';
  protected override readonly plain: PlainRuntime = PM2_RUNTIME;

  protected override async input(input: HostInput): Promise<Buffer | Readable> {
    if (input.kind !== 'pm2') return super.input(input);
    const bundle = await pm2Bundle();
    if (bundle.id !== input.bundle) throw new Error(`bug: PM2 bundle ${input.bundle} is gone`);
    return createReadStream(await packPm2Bundle(bundle));
  }

  protected override readiness(service: string): {
    name: string;
    state: string;
    check: string | undefined;
  } {
    const s = this.topology.services[service];
    if (!s || isDatabase(s)) return super.readiness(service);
    const { project } = this.topology;
    const name = appName(project, service);
    const argv = healthArgv(s.healthcheck, `${serviceDir(project, service)}/current`);
    return {
      name,
      state: pm2StateCommand(name),
      check: argv ? inAppScript(project, service, argv, { exec: false }) : undefined,
    };
  }

  private logFiles(service: string): string {
    const dir = logDir(this.topology.project);
    return `${q(`${dir}/${service}.out.log`)} ${q(`${dir}/${service}.err.log`)}`;
  }

  protected override async journalTail(service: string, lines = 15): Promise<string> {
    const s = this.topology.services[service];
    if (!s || isDatabase(s)) return super.journalTail(service, lines);
    const result = await this.shell.run(
      `tail -q -n ${lines} ${this.logFiles(service)} 2>/dev/null`,
    );
    return result.stdout.trimEnd();
  }

  override async logs(
    services: string[],
    options: LogOptions,
    onLine: (service: string, line: LogLine) => void,
  ): Promise<void> {
    const apps = services.filter((s) => {
      const service = this.topology.services[s];
      return service !== undefined && !isDatabase(service);
    });
    const databases = services.filter((s) => !apps.includes(s));
    const since = options.since === undefined ? undefined : options.since * 1000;
    const emit = (service: string, text: string) => {
      const stamp = STAMP.exec(text);
      if (since !== undefined && stamp && Date.parse(stamp[1] ?? '') < since) return;
      const rest = stamp ? text.slice(stamp[0].length) : text;
      onLine(service, {
        stream: 'stdout',
        text: options.timestamps && stamp ? `${stamp[1] ?? ''} ${rest}` : rest,
      });
    };
    await Promise.all([
      databases.length > 0 ? super.logs(databases, options, onLine) : Promise.resolve(),
      ...apps.map(async (service) => {
        const tail = options.tail === undefined ? '+1' : String(options.tail);
        let pending = '';
        await this.shell.run(
          `tail -q -n ${tail} ${options.follow ? '-F' : ''} ${this.logFiles(service)} 2>/dev/null`,
          {
            ...(options.signal ? { signal: options.signal } : {}),
            onStdout: (chunk) => {
              const lines = (pending + chunk.toString('utf8')).split('\n');
              pending = lines.pop() ?? '';
              for (const text of lines) emit(service, text);
            },
          },
        );
        if (pending) emit(service, pending);
      }),
    ]);
  }

  override async exec(
    service: string,
    { onAttach, ...options }: TargetExecOptions,
  ): Promise<number> {
    const s = this.topology.services[service];
    if (!s || isDatabase(s)) {
      throw new UsageError(
        `exec: ${service} is not a PM2 app on ${this.host} (runtime: pm2 runs databases in the host's MariaDB server)`,
        { hint: `Use notesctl hosts ssh ${this.host} and the mariadb client for databases.` },
      );
    }
    const { stdout, stderr } = options;
    if (!stdout || !stderr) throw new Error('bug: exec without output streams');
    onAttach?.();
    return this.shell.attach(
      inAppScript(this.topology.project, service, options.cmd, { exec: true }),
      { stdin: options.stdin, stdout, stderr, tty: options.tty === true },
    );
  }
}
