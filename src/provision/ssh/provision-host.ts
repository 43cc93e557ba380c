/**
 * Provision a server over SSH (shared by `provision ssh` and `provision digitalocean`): connect
 * with a verified host key, gather facts, run the plan's steps as root, then prove the engine
 * answers through the same forwarded socket channel every later command uses. Idempotent: a
 * second run finds Docker installed and running and changes nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventSink } from '../../apply/events.ts';
import { DockerEngine } from '../../engine/docker-engine.ts';
import { connectSsh, type SshConnectOptions, type SshLink } from '../../engine/ssh/connect.ts';
import { describeEndpoint } from '../../engine/ssh/endpoint.ts';
import type { SshEndpoint } from '../../model/topology.ts';
import { runCaptured } from '../../engine/ssh/exec.ts';
import { sshTransportOver } from '../../engine/ssh/transport.ts';
import { EngineError, RuntimeError } from '../../errors.ts';
import { reportStep } from '../report-step.ts';
import { describeOs, factsScript, parseFacts } from './facts.ts';
import { planBootstrap, type BootstrapStep } from './plan.ts';

/** How to provision. */
export interface ProvisionHostOptions {
  endpoint: SshEndpoint;
  ssh: SshConnectOptions;
  onEvent: EventSink;
  /** Keep trying to connect this long (a new droplet is still booting); default: try once. */
  waitForSshMs?: number;
  /** How long the engine may take to answer after starting; default 60 s. */
  engineDeadlineMs?: number;
}

/** What provisioning found. */
export interface ProvisionResult {
  os: string;
  dockerVersion: string;
  apiVersion: string;
}

/** Connect, retrying unreachable-host errors until the deadline (host key refusals never retry). */
export async function connectWithin(
  endpoint: SshEndpoint,
  ssh: SshConnectOptions,
  waitMs: number,
): Promise<SshLink> {
  const deadline = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connectSsh(endpoint, ssh);
    } catch (error) {
      if (!(error instanceof EngineError) || Date.now() + 2000 > deadline) throw error;
      await sleep(Math.min(1000 * attempt, 5000));
    }
  }
}

/** Run one step as root; a failure names the step and shows the end of its output. */
export async function runStep(
  link: SshLink,
  asRoot: string,
  bootstrapStep: BootstrapStep,
): Promise<string> {
  const result = await runCaptured(link, `${asRoot}sh -s`, bootstrapStep.script);
  if (result.code !== 0) {
    const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n');
    throw new RuntimeError(
      `${link.endpoint.name}: ${bootstrapStep.title} failed (exit ${result.code}):\n${output}`,
      {
        hint: `Fix the cause on the server (\`notesctl hosts ssh ${link.endpoint.name}\` if it is recorded, or ssh ${describeEndpoint(link.endpoint)}), then run the same provision command again: finished steps are skipped.`,
      },
    );
  }
  return result.stdout.trim().split('\n').at(-1) ?? '';
}

/** Poll the engine through the SSH socket channel until it answers, then read its version. */
async function checkEngine(
  link: SshLink,
  deadlineMs: number,
): Promise<{ version: string; apiVersion: string }> {
  const { transport } = sshTransportOver(link);
  const engine = new DockerEngine(link.endpoint.name, {
    ...transport,
    close: () => Promise.resolve(),
  });
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const version = await engine.version();
      if (Number(version.apiVersion) < 1.41) {
        throw new RuntimeError(
          `${link.endpoint.name}: Docker ${version.version} speaks API ${version.apiVersion}; notesctl needs 1.41 (Docker 20.10) or newer`,
          {
            hint: 'Upgrade Docker on the server.',
          },
        );
      }
      return { version: version.version, apiVersion: version.apiVersion };
    } catch (error) {
      if (!(error instanceof EngineError) || link.lost() || Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

/** Provision `options.endpoint`; the connection is closed before returning. */
export async function provisionHost(options: ProvisionHostOptions): Promise<ProvisionResult> {
  const { endpoint, ssh, onEvent } = options;
  const where = describeEndpoint(endpoint);
  let link = await reportStep(
    onEvent,
    'connect',
    `connect to ${where} (verify the host key, log in)`,
    () => connectWithin(endpoint, ssh, options.waitForSshMs ?? 0),
  );
  try {
    const facts = await reportStep(
      onEvent,
      'facts',
      'check the server (OS, privileges, Docker, init system)',
      async () => {
        const result = await runCaptured(link, 'sh -s', factsScript(endpoint.socket));
        if (result.code !== 0)
          throw new RuntimeError(
            `${endpoint.name}: could not inspect the server: ${result.stderr.trim()}`,
          );
        return parseFacts(result.stdout);
      },
      (f) =>
        `server runs ${describeOs(f.os)} as ${f.uid === 0 ? 'root' : `uid ${f.uid}${f.sudo ? ' with sudo' : ''}`}, Docker ${f.dockerd ? 'installed' : 'not installed'}, ${f.systemd ? 'systemd' : 'no systemd'}`,
    );
    const plan = planBootstrap(facts, {
      host: endpoint.name,
      user: endpoint.user,
      socket: endpoint.socket,
    });
    for (const note of plan.notes) onEvent({ type: 'note', text: note });
    for (const s of plan.steps) {
      await reportStep(
        onEvent,
        s.id,
        s.title,
        () => runStep(link, plan.asRoot, s),
        (last) => (last ? `${s.title}: ${last}` : s.title),
      );
    }
    if (plan.reconnect) {
      await link.close();
      link = await reportStep(onEvent, 'reconnect', `log in again (new group membership)`, () =>
        connectSsh(endpoint, ssh),
      );
    }
    const engine = await reportStep(
      onEvent,
      'engine',
      `check the engine answers at ${endpoint.socket} through SSH`,
      () => checkEngine(link, options.engineDeadlineMs ?? 60_000),
      (v) => `Docker ${v.version} (API ${v.apiVersion}) answers at ${endpoint.socket}`,
    );
    return {
      os: describeOs(facts.os),
      dockerVersion: engine.version,
      apiVersion: engine.apiVersion,
    };
  } finally {
    await link.close();
  }
}
