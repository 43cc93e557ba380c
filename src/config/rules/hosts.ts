/** Rules for hosts: the reserved `local`, SSH targets, and placements that name a host. */
import { LOCAL_HOST } from '../../model/topology.ts';
import { parseSshTarget } from '../ssh-target.ts';
import { type Rule, servicesOf, unknownName } from './context.ts';

/** `local` means "this machine's engine" and cannot be redefined under `hosts:`. */
export const rejectLocalHost: Rule = ({ declared, problems }) => {
  if (declared.hosts.includes(LOCAL_HOST)) {
    problems.report(
      ['hosts', LOCAL_HOST],
      '"local" is the implicit host (this machine\'s Docker engine) and cannot be redefined — pick another name',
      'key',
    );
  }
};

/** SSH targets: port in range, IPv6 well-formed (the shape was checked by the schema). */
export const checkSshTargets: Rule = ({ raw, problems }) => {
  for (const [name, host] of Object.entries(raw.hosts ?? {})) {
    const parsed = parseSshTarget(host.ssh);
    if ('error' in parsed) problems.report(['hosts', name, 'ssh'], parsed.error);
  }
};

/**
 * `firewall:` is notesctl's nftables table on a plain server (issue 21); on a Docker host the
 * engine publishes ports through its own iptables rules, which such a table would not see.
 */
export const checkFirewalls: Rule = ({ raw, problems }) => {
  for (const [name, host] of Object.entries(raw.hosts ?? {})) {
    const runtime = host.runtime ?? 'docker';
    if (host.firewall === true && runtime !== 'systemd' && runtime !== 'pm2')
      problems.report(
        ['hosts', name, 'firewall'],
        `a firewall is kept by notesctl on runtime: systemd or pm2 only (this host runs ${runtime}; Docker publishes ports through its own iptables rules) — use your provider's firewall`,
      );
  }
};

/** `host:` (top level and per service) and --host: `local`, a declared host or a cluster. */
export const checkHostReferences: Rule = (context) => {
  const { raw, declared, problems, overrideHost, knownHosts } = context;
  const known = [
    ...new Set([
      LOCAL_HOST,
      ...declared.hosts.filter((h) => h !== LOCAL_HOST),
      ...knownHosts,
      ...declared.clusters,
    ]),
  ];
  const check = (path: (string | number)[], name: string | undefined): void => {
    if (name !== undefined && !known.includes(name)) {
      problems.report(path, unknownName('host', name, known, 'hosts'));
    }
  };
  check(['host'], raw.host);
  for (const [name, service] of servicesOf(context))
    check(['services', name, 'host'], service.host);
  if (overrideHost !== undefined && !known.includes(overrideHost)) {
    problems.add({ path: '--host', message: unknownName('host', overrideHost, known, 'hosts') });
  }
};
