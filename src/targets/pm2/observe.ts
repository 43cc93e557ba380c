/**
 * Reading a `runtime: pm2` server (issue 21): the facts the systemd target reads (OS, Node,
 * releases, databases, /etc/hosts, MariaDB) in the same script, plus PM2's: its set-up digest,
 * its boot unit, the apps it runs (`pm2 jlist`, only while its daemon runs under systemd, so
 * observing never starts one), the apps saved for boot, and each app's recorded shape.
 */
import {
  observeScript,
  parseObserved,
  type ObservedUnit,
  type SystemdObserved,
} from '../systemd/observe.ts';
import { shellQuote as q } from '../systemd/quote.ts';
import { appPrefix, ecosystemFile, PM2, PM2_HOME, PM2_SETUP_MARKER, PM2_UNIT } from './names.ts';

/** The observing script of a PM2 server. */
export function pm2ObserveScript(project: string): string {
  const shapes = ecosystemFile(project, '*').replace(/\.config\.json$/, '.shape');
  const prefix = appPrefix(project);
  return observeScript(project, [
    `echo "pm2-setup $(cat ${q(PM2_SETUP_MARKER)} 2>/dev/null)"`,
    `echo "pm2-unit $(systemctl is-enabled ${PM2_UNIT} 2>/dev/null) $(systemctl is-active ${PM2_UNIT} 2>/dev/null)"`,
    `for f in ${shapes}; do [ -e "$f" ] && echo "pm2-shape $(basename "$f" .shape) $(cat "$f")"; done`,
    `echo "pm2-dump $(grep -o '^    "name": "${prefix}[^"]*"' ${PM2_HOME}/dump.pm2 2>/dev/null | cut -d'"' -f4 | sort -u | tr '\\n' ' ')"`,
    `if [ -x ${PM2} ] && systemctl is-active --quiet ${PM2_UNIT}; then echo "pm2-list $(${PM2} jlist 2>/dev/null | tail -n 1)"; fi`,
  ]);
}

/** One entry of `pm2 jlist`, as far as notesctl reads it. */
interface Pm2Process {
  name?: string;
  pid?: number;
  monit?: { memory?: number };
  pm2_env?: {
    status?: string;
    restart_time?: number;
    pm_uptime?: number;
    env?: Record<string, string>;
  };
}

/** PM2's apps of the project as units: one row per app, its instances summed. */
export function pm2Units(
  list: Pm2Process[],
  project: string,
  saved: Set<string>,
  bootEnabled: boolean,
): ObservedUnit[] {
  const prefix = appPrefix(project);
  const byName = new Map<string, Pm2Process[]>();
  for (const p of list) {
    if (!p.name?.startsWith(prefix)) continue;
    byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  }
  return [...byName].map(([name, procs]) => {
    const statuses = procs.map((p) => p.pm2_env?.status ?? 'unknown');
    const online = statuses.filter((s) => s === 'online').length;
    const env = procs[0]?.pm2_env?.env ?? {};
    const uptimes = procs.map((p) => p.pm2_env?.pm_uptime ?? 0).filter((t) => t > 0);
    return {
      service: name.slice(prefix.length),
      unit: name,
      hash: env.NOTESCTL_HASH ?? '',
      release: env.NOTESCTL_RELEASE ?? '',
      active:
        online === procs.length ? 'active' : statuses.includes('errored') ? 'failed' : 'inactive',
      sub: online === procs.length ? `online ×${online}` : statuses.join(','),
      enabled: saved.has(name) && bootEnabled ? 'enabled' : 'disabled',
      mainPid: procs[0]?.pid ?? 0,
      restarts: procs.reduce((n, p) => n + (p.pm2_env?.restart_time ?? 0), 0),
      memoryBytes: procs.reduce((n, p) => n + (p.monit?.memory ?? 0), 0),
      sinceUs: uptimes.length ? Math.min(...uptimes) * 1000 : 0,
    };
  });
}

/** Parse what pm2ObserveScript() printed. */
export function parsePm2Observed(output: string, project: string): SystemdObserved {
  const observed = parseObserved(output);
  let list: Pm2Process[] = [];
  let saved = new Set<string>();
  let bootEnabled = false;
  const shapes = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [kind = '', ...rest] = line.split(' ');
    if (kind === 'pm2-setup') observed.setup = rest[0] ?? '';
    else if (kind === 'pm2-unit') bootEnabled = rest[0] === 'enabled';
    else if (kind === 'pm2-shape' && rest[0]) shapes.set(rest[0], rest[1] ?? '');
    else if (kind === 'pm2-dump') saved = new Set(rest.filter(Boolean));
    else if (kind === 'pm2-list') {
      const text = rest.join(' ');
      try {
        list = JSON.parse(text.slice(text.indexOf('['))) as Pm2Process[];
      } catch {
        list = [];
      }
    }
  }
  observed.units = pm2Units(list, project, saved, bootEnabled);
  observed.shapes = shapes;
  return observed;
}
