/**
 * What differs between the plain-server runtimes' plans (issue 21): which hosts they accept,
 * the set-up step they need before any app (PM2 itself; systemd is already there), how an app
 * is removed, and what `plan` says they do not isolate.
 */
import { RuntimeError } from '../../errors.ts';
import type { HostInput } from '../../plan/types.ts';
import type { SystemdObserved } from './observe.ts';
import { removeUnitScript } from './scripts.ts';

/** Refuse hosts the target cannot serve, before anything is planned. */
export function checkHost(
  host: string,
  observed: SystemdObserved,
  runtime: 'systemd' | 'pm2' = 'systemd',
): void {
  const { id, like, version } = observed.os;
  if (!['debian', 'ubuntu'].includes(id) && !like.split(/[ ,]/).includes('debian')) {
    throw new RuntimeError(
      `host ${host} runs ${id} ${version}: runtime: ${runtime} supports Debian and Ubuntu only`,
      { hint: `Use a Debian or Ubuntu server, or runtime: docker for ${host}.` },
    );
  }
  // Only systemd's credentials need shared mounts; PM2 apps read plain files.
  if (runtime === 'systemd' && !observed.sharedRun) {
    throw new RuntimeError(
      `host ${host}: /run is not a shared mount, so systemd cannot hand services their credentials (LoadCredential= would give "Permission denied")`,
      {
        hint: 'systemd makes mounts shared at boot except in containers; run `mount --make-rshared /` early at boot (a oneshot unit before sysinit.target).',
      },
    );
  }
}

/** What a plain server does not isolate, compared with the container layout (issue 21). */
export function isolationNotes(runtime: 'systemd' | 'pm2'): string[] {
  return [
    `runtime: ${runtime} has no separate networks: every local process can reach every port; services bind 127.0.0.1 unless published, and published ports are open to anyone who reaches the host unless it has firewall: true (nftables then drops all but SSH and the published ports)`,
    "the databases share the host's one MariaDB server (a database and a user each), not a server each",
  ];
}

/** systemd's notes. */
export const ISOLATION_NOTES = isolationNotes('systemd');

/** What differs in the plan of another plain-server runtime (PM2) from systemd's. */
export interface RuntimeSteps {
  /** A step every app waits for (installing PM2), planned when `observed.setup` is not `digest`. */
  setup?: { id: string; title: string; script: string; input: HostInput; digest: string };
  /** The script that stops and removes an app no longer in the topology. */
  removeScript(project: string, service: string, name: string): string;
  /** What `plan` says this runtime does not isolate or cannot do. */
  notes: string[];
}

/** systemd's: no set-up step (systemd is there), units removed, its isolation notes. */
export const SYSTEMD_STEPS: RuntimeSteps = {
  removeScript: removeUnitScript,
  notes: ISOLATION_NOTES,
};
