/**
 * A service's PM2 ecosystem file (issue 21), as text: what `notesctl up` writes to
 * /etc/notesctl/PROJECT/pm2/SERVICE.config.json and unit tests compare. Cluster mode always
 * (`instances` = replicas), so `pm2 reload` starts new workers beside the old ones: zero downtime
 * even with one. PM2 runs notesctl's launcher (templates/pm2/launcher.cjs), which drops to the
 * service's own user, loads the app and says `ready` once the health check passes
 * (`wait_ready`, with `listen_timeout` from the health check's timing). The `env` holds the
 * topology's environment and the *_FILE paths of the secrets — never a secret's value.
 */
import { createHash } from 'node:crypto';
import type { Healthcheck } from '../../model/topology.ts';
import { healthArgv } from '../systemd/health-argv.ts';
import { credentialsDir, nodeDir, serviceDir, userName } from '../systemd/names.ts';
import { appName, logDir, PM2_CURRENT } from './names.ts';

/** What the ecosystem file says about a service. */
export interface EcosystemSpec {
  project: string;
  service: string;
  node: string;
  release: string;
  /** The service's command as the topology or its Dockerfile says (`node [flags] SCRIPT args`). */
  command: string[];
  /** The topology's environment, HOST included (no secrets). */
  env: Record<string, string>;
  /** Environment variables holding a secret file's path: VAR → secret name. */
  credentialVars: Record<string, string>;
  instances: number;
  healthcheck: Healthcheck | undefined;
  /** How long PM2 waits for `ready` (the health check's start period and retries). */
  listenTimeoutMs: number;
  stopTimeoutMs: number;
  /** Marker of the configuration, compared by the next `up`. */
  hash: string;
}

/** `node [flags] SCRIPT [args]` split for PM2, or a problem when it is not a Node command. */
export function splitNodeCommand(
  command: string[],
): { nodeArgs: string[]; script: string; args: string[] } | string {
  const [program = '', ...rest] = command;
  if (program !== 'node' && !program.endsWith('/bin/node'))
    return `PM2 runs Node scripts: the command must be "node SCRIPT …", got "${command.join(' ')}"`;
  const at = rest.findIndex((w) => !w.startsWith('-'));
  if (at < 0) return `the command "${command.join(' ')}" names no script for PM2 to run`;
  return { nodeArgs: rest.slice(0, at), script: rest[at] ?? '', args: rest.slice(at + 1) };
}

/** The app's environment in the ecosystem file (paths of secrets, never values). */
export function ecosystemEnv(spec: EcosystemSpec, script: string): Record<string, string> {
  const current = `${serviceDir(spec.project, spec.service)}/current`;
  const check = spec.healthcheck;
  const health = healthArgv(check, current);
  const env: Record<string, string> = {
    PATH: `${nodeDir(spec.node)}/bin:/usr/local/bin:/usr/bin:/bin`,
    HOME: '/tmp',
    ...spec.env,
    NOTESCTL_USER: userName(spec.project, spec.service),
    NOTESCTL_SCRIPT: script,
    NOTESCTL_RELEASE: spec.release,
    NOTESCTL_HASH: spec.hash,
  };
  for (const [variable, secret] of Object.entries(spec.credentialVars))
    env[variable] = `${credentialsDir(spec.project, spec.service)}/${secret}`;
  if (health) {
    env.NOTESCTL_HEALTH = JSON.stringify(health);
    env.NOTESCTL_HEALTH_INTERVAL_MS = String(Math.min(check?.intervalMs ?? 1000, 1000));
    env.NOTESCTL_HEALTH_TIMEOUT_MS = String(check?.timeoutMs ?? 5000);
  }
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The ecosystem file's text (JSON), and its shape: what a reload cannot change. */
export function renderEcosystem(spec: EcosystemSpec): { text: string; shape: string } {
  const split = splitNodeCommand(spec.command);
  if (typeof split === 'string') throw new Error(`bug: ${split}`);
  const logs = logDir(spec.project);
  const app = {
    name: appName(spec.project, spec.service),
    script: `${PM2_CURRENT}/launcher.cjs`,
    args: split.args,
    node_args: split.nodeArgs,
    cwd: `${serviceDir(spec.project, spec.service)}/current`,
    exec_mode: 'cluster',
    instances: spec.instances,
    wait_ready: true,
    listen_timeout: spec.listenTimeoutMs,
    kill_signal: 'SIGTERM',
    kill_timeout: spec.stopTimeoutMs,
    autorestart: true,
    restart_delay: 1000,
    min_uptime: 5000,
    max_restarts: 10,
    merge_logs: true,
    log_date_format: 'YYYY-MM-DDTHH:mm:ss.SSSZ',
    out_file: `${logs}/${spec.service}.out.log`,
    error_file: `${logs}/${spec.service}.err.log`,
    env: ecosystemEnv(spec, split.script),
  };
  // A reload updates the environment's values only; anything else needs a delete and a start.
  const shape = createHash('sha256')
    .update(JSON.stringify({ ...app, env: Object.keys(app.env) }))
    .digest('hex')
    .slice(0, 16);
  return { text: `${JSON.stringify({ apps: [app] }, null, 2)}\n`, shape };
}
