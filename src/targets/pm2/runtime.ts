/**
 * `runtime: pm2` as the plain-server pipeline sees it (issue 21): the systemd target's plan
 * (Node, releases, MariaDB, /etc/hosts, causes, health-gated order) with PM2 apps instead of
 * units, one set-up step that installs PM2, and what `plan` must say PM2 cannot do.
 */
import { createHash } from 'node:crypto';
import type { Service } from '../../model/topology.ts';
import type { PlainRuntime } from '../systemd/plan-up.ts';
import type { AppRenderer } from '../systemd/renderer.ts';
import { isolationNotes, type RuntimeSteps } from '../systemd/steps.ts';
import type { SystemdObserved } from '../systemd/observe.ts';
import type { UnitSpec } from '../systemd/unit.ts';
import { pm2Bundle } from './bundle.ts';
import { renderEcosystem, splitNodeCommand } from './ecosystem.ts';
import { appName, PM2_UNIT } from './names.ts';
import { pm2ObserveScript, parsePm2Observed } from './observe.ts';
import { runObserve } from '../systemd/plan-up.ts';
import {
  PM2_LOGROTATE,
  PM2_UNIT_DROP_IN,
  pm2DeployScript,
  pm2RemoveScript,
  pm2SetupScript,
  pm2Wrapper,
} from './scripts.ts';

/** What a PM2 host does not isolate or cannot do, compared with containers and systemd. */
export const PM2_NOTES = [
  ...isolationNotes('pm2'),
  "PM2 has no systemd credentials: secrets are files on disk that the service's own user can read (0400), not a private per-service copy; and no sandbox (ProtectSystem, PrivateTmp, …): PM2's daemon runs as root, its workers drop to each service's user",
  "pm2 reload stops the old workers after listen_timeout even when the new ones never passed their health check (until they do they take no traffic): the service is then down, notesctl's wait after the reload fails the deploy, and notesctl rollback brings the last release back",
];

/** How long PM2 waits for a worker's `ready`: as long as notesctl waits for its health. */
function listenTimeoutMs(service: Service): number {
  const check = service.healthcheck;
  return check ? Math.max(check.startPeriodMs + check.intervalMs * check.retries, 30_000) : 60_000;
}

function renderer(node: string, observed: SystemdObserved): AppRenderer {
  return {
    runtime: 'pm2',
    name: appName,
    render(
      { spec, env, service }: { spec: UnitSpec; env: Record<string, string>; service: Service },
      problems,
    ) {
      const key = `services.${service.name}`;
      const split = splitNodeCommand(spec.command);
      if (typeof split === 'string') problems.push(`${key}.command: ${split}`);
      if (service.volumes.length > 0)
        problems.push(
          `${key}.volumes: runtime: pm2 cannot mount a volume into an app; keep its data in the database, or use runtime: systemd`,
        );
      if (typeof split === 'string' || service.volumes.length > 0) return undefined;
      const { text, shape } = renderEcosystem({
        project: spec.project,
        service: service.name,
        node,
        release: spec.release,
        command: spec.command,
        env,
        credentialVars: spec.credentialVars,
        instances: service.replicas,
        healthcheck: service.healthcheck,
        listenTimeoutMs: listenTimeoutMs(service),
        stopTimeoutMs: service.stopGracePeriodMs,
        hash: spec.hash,
      });
      const name = appName(spec.project, service.name);
      const reload = observed.shapes?.get(service.name) === shape;
      const running = observed.units.some((u) => u.unit === name && u.active === 'active');
      const how =
        reload && running
          ? 'reload it (new workers ready before the old stop)'
          : reload
            ? 'start it'
            : running
              ? 'delete and start it (its script, instances or variables changed)'
              : 'start it';
      return {
        text,
        deploy: {
          title: `write ${name}'s ecosystem file and ${how} on release ${spec.release}`,
          script: pm2DeployScript({
            project: spec.project,
            service: service.name,
            release: spec.release,
            ecosystem: text,
            shape,
            reload,
          }),
        },
      };
    },
  };
}

/** PM2 apps on a plain server. */
export const PM2_RUNTIME: PlainRuntime = {
  name: 'pm2',
  observe: async (shell, project) =>
    parsePm2Observed(await runObserve(shell, pm2ObserveScript(project)), project),
  async prepare(node, observed) {
    const bundle = await pm2Bundle();
    const digest = createHash('sha256')
      .update([bundle.id, node, pm2Wrapper(node), PM2_UNIT_DROP_IN, PM2_LOGROTATE].join('\0'))
      .digest('hex')
      .slice(0, 16);
    const steps: RuntimeSteps = {
      setup: {
        id: 'pm2',
        title: `install PM2 ${bundle.version} (bundle ${bundle.id}) on Node ${node}, started at boot by ${PM2_UNIT}, logs rotated`,
        script: pm2SetupScript(bundle.id, node, digest),
        input: { kind: 'pm2', bundle: bundle.id },
        digest,
      },
      removeScript: pm2RemoveScript,
      notes: PM2_NOTES,
    };
    return { renderer: renderer(node, observed), steps };
  },
};
