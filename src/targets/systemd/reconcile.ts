/**
 * The systemd target's planner (issue 21): desired + observed → Plan, pure. Each operation is
 * one script on the host (or one wait) with its cause. An unchanged project plans nothing; a
 * changed service is shipped (only when the server lacks its release), rewritten and restarted
 * after what it depends on is ready; MariaDB and each service's database are set up once.
 */
import { createHash } from 'node:crypto';
import type { Plan, PlannedOperation, ReconcileOptions } from '../../plan/types.ts';
import type { DesiredApp, SystemdDesired } from './desired.ts';
import type { NodeArchive } from './node-dist.ts';
import type { SystemdObserved } from './observe.ts';
import {
  databaseScript,
  hostsScript,
  installNodeScript,
  MARIADB_CONF,
  mariadbScript,
  shipReleaseScript,
} from './scripts.ts';
import { firewallOperation } from './firewall.ts';
import { SYSTEMD_STEPS, type RuntimeSteps } from './steps.ts';

/** sha256 prefix of the MariaDB settings file, as observeScript() reports it. */
export const MARIADB_CONF_DIGEST = createHash('sha256')
  .update(MARIADB_CONF)
  .digest('hex')
  .slice(0, 16);

/** What reconcileSystemd() needs besides the states. */
export interface SystemdPlanInputs {
  /** The Node archive to install when the server lacks the version (checked before unpacking). */
  nodeArchive: NodeArchive | undefined;
  /** The runtime's own steps (default: systemd's). */
  steps?: RuntimeSteps;
}

function why(app: DesiredApp, observed: SystemdObserved, force: boolean): string | undefined {
  const unit = observed.units.find((u) => u.unit === app.unit);
  if (!unit) return 'not deployed yet';
  if (unit.release !== app.release) return `new release ${app.release} (was ${unit.release})`;
  if (unit.hash !== app.hash) return 'configuration changed';
  if (force) return '--force-recreate';
  if (unit.active !== 'active') return `not running (${unit.active}/${unit.sub})`;
  if (unit.enabled !== 'enabled') return `not started at boot (${unit.enabled})`;
  return undefined;
}

/** Plan `up` on a plain server. */
export function reconcileSystemd(
  desired: SystemdDesired,
  observed: SystemdObserved,
  options: ReconcileOptions,
  inputs: SystemdPlanInputs,
): Plan {
  const { project, host } = desired;
  const steps = inputs.steps ?? SYSTEMD_STEPS;
  const ops: PlannedOperation[] = [];
  const add = (op: PlannedOperation) => ops.push(op);
  const has = (id: string) => ops.some((o) => o.id === id);
  const archive = inputs.nodeArchive;
  if (!observed.nodes.includes(desired.node)) {
    if (archive?.version !== desired.node)
      throw new Error(`bug: no archive of Node ${desired.node}`);
    add({
      id: 'node',
      operation: {
        kind: 'host-step',
        service: undefined,
        title: `install Node.js ${desired.node} in /opt/notesctl/node/${desired.node} from ${archive.origin}`,
        script: installNodeScript(archive),
        input: { kind: 'node', version: desired.node },
      },
      after: [],
      cause: observed.nodes.length
        ? `installed: ${observed.nodes.join(', ')}`
        : 'no Node.js installed by notesctl',
    });
  }
  if (observed.hostsLine !== desired.hostsLine) {
    add({
      id: 'hosts',
      operation: {
        kind: 'host-step',
        service: undefined,
        title: `name the services in /etc/hosts (${desired.hostsLine})`,
        script: hostsScript(project, desired.hostsLine),
        input: undefined,
      },
      after: [],
      cause: observed.hostsLine === undefined ? 'no block yet' : `was: ${observed.hostsLine}`,
    });
  }
  const firewall = firewallOperation(project, desired.firewall, observed.firewall);
  if (firewall) add(firewall);
  const { setup } = steps;
  if (setup && desired.apps.length > 0 && observed.setup !== setup.digest) {
    add({
      id: setup.id,
      operation: {
        kind: 'host-step',
        service: undefined,
        title: setup.title,
        script: setup.script,
        input: setup.input,
      },
      after: has('node') ? ['node'] : [],
      cause: observed.setup
        ? `set up differently (${observed.setup})`
        : 'not installed by notesctl',
    });
  }
  const { mariadb } = observed;
  if (desired.databases.length > 0) {
    const cause = !mariadb.installed
      ? 'mariadb-server is not installed'
      : mariadb.configured !== MARIADB_CONF_DIGEST
        ? 'not configured by notesctl (bind-address 127.0.0.1)'
        : mariadb.active !== 'active'
          ? `mariadb.service is ${mariadb.active}`
          : undefined;
    if (cause) {
      add({
        id: 'mariadb',
        operation: {
          kind: 'host-step',
          service: undefined,
          title:
            "set up the host's MariaDB server (one for every database service, 127.0.0.1 only)",
          script: mariadbScript(),
          input: undefined,
        },
        after: [],
        cause,
      });
    }
  }
  const changed = new Map<string, string>();
  for (const app of desired.apps) {
    const cause = why(app, observed, options.forceRecreate);
    if (cause) changed.set(app.service, cause);
  }
  const dbChanged = new Set<string>();
  for (const db of desired.databases) {
    if (observed.databases.get(db.service) === db.hash && !has('mariadb')) continue;
    dbChanged.add(db.service);
    add({
      id: `database:${db.service}`,
      operation: {
        kind: 'host-step',
        service: db.service,
        title: `create database ${db.database} and user ${db.user} (${db.service})`,
        script: databaseScript(project, db.service, db.database, db.user, db.hash),
        input: { kind: 'database', service: db.service },
      },
      after: has('mariadb') ? ['mariadb'] : [],
      cause: observed.databases.has(db.service)
        ? 'user, password or database changed'
        : 'not created yet',
    });
  }
  // A database is waited for when it was set up now, or when a service restarting needs it.
  const needed = new Set(
    desired.apps.filter((a) => changed.has(a.service)).flatMap((a) => Object.keys(a.dependsOn)),
  );
  for (const db of desired.databases) {
    if (!dbChanged.has(db.service) && !needed.has(db.service)) continue;
    add({
      id: `ready:${db.service}`,
      operation: {
        kind: 'wait-ready',
        service: db.service,
        condition: 'healthy',
        containerId: undefined,
        readiness: db.readiness,
      },
      after: dbChanged.has(db.service)
        ? [`database:${db.service}`]
        : has('mariadb')
          ? ['mariadb']
          : [],
      cause: 'a service depends on it',
    });
  }
  for (const app of desired.apps) {
    const cause = changed.get(app.service);
    if (!cause) continue;
    const shipped = observed.releases.get(app.service)?.includes(app.release) ?? false;
    if (!shipped) {
      add({
        id: `release:${app.service}`,
        operation: {
          kind: 'host-step',
          service: app.service,
          title: `ship release ${app.release} of ${app.service}`,
          script: shipReleaseScript(project, app.service, app.release),
          input: { kind: 'release', service: app.service, id: app.release },
        },
        after: [],
        cause: 'the server does not have it',
      });
    }
  }
  for (const app of desired.apps) {
    const cause = changed.get(app.service);
    if (!cause) continue;
    const after = ['node', 'hosts', steps.setup?.id ?? '', `release:${app.service}`].filter(has);
    for (const dep of Object.keys(app.dependsOn))
      if (has(`ready:${dep}`)) after.push(`ready:${dep}`);
    add({
      id: `deploy:${app.service}`,
      operation: {
        kind: 'host-step',
        service: app.service,
        title: app.deploy.title,
        script: app.deploy.script,
        input: { kind: 'credentials', service: app.service },
      },
      after: [...new Set(after)],
      cause,
    });
  }
  // Readiness of a restarted service: always with --wait, else when something restarting needs it.
  for (const app of desired.apps) {
    if (!changed.has(app.service) || (!options.wait && !needed.has(app.service))) continue;
    add({
      id: `ready:${app.service}`,
      operation: {
        kind: 'wait-ready',
        service: app.service,
        condition: app.readiness.test ? 'healthy' : 'started',
        containerId: undefined,
        readiness: app.readiness,
      },
      after: [`deploy:${app.service}`],
      cause: 'restarted',
    });
  }
  // Dependents start after what they need is ready (the op ids exist by now).
  for (const op of ops) {
    if (!op.id.startsWith('deploy:')) continue;
    const app = desired.apps.find((a) => `deploy:${a.service}` === op.id);
    for (const dep of Object.keys(app?.dependsOn ?? {}))
      if (has(`ready:${dep}`) && !op.after.includes(`ready:${dep}`)) op.after.push(`ready:${dep}`);
  }
  const orphans = observed.units.filter((u) => !desired.allServices.includes(u.service));
  if (options.removeOrphans) {
    for (const orphan of orphans) {
      add({
        id: `remove:${orphan.service}`,
        operation: {
          kind: 'host-step',
          service: orphan.service,
          title: `stop and remove ${orphan.unit}`,
          script: steps.removeScript(project, orphan.service, orphan.unit),
          input: undefined,
        },
        after: [],
        cause: 'not in the topology (--remove-orphans)',
      });
    }
  }
  const unchanged = [
    ...desired.apps.filter((a) => !changed.has(a.service)).map((a) => a.service),
    ...desired.databases.filter((d) => !dbChanged.has(d.service)).map((d) => d.service),
  ].sort();
  return {
    project,
    host,
    operations: ops,
    unchanged,
    notes: steps.notes,
    orphans: options.removeOrphans
      ? []
      : orphans.map((o) => ({ service: o.service, containerName: o.unit })),
  };
}
