/**
 * Provision a plain server over SSH (issue 21: `provision ssh --runtime systemd|pm2`): connect
 * with a verified host key, gather the facts in one exec, refuse a server the runtime cannot use
 * (plan-plain.ts says why and what to do) before anything is changed, then install what is
 * missing. Idempotent: a second run finds everything there and runs no step that changes the server.
 */
import type { EventSink } from '../../apply/events.ts';
import type { SshConnectOptions } from '../../engine/ssh/connect.ts';
import { describeEndpoint } from '../../engine/ssh/endpoint.ts';
import { runCaptured } from '../../engine/ssh/exec.ts';
import { RuntimeError } from '../../errors.ts';
import type { SshEndpoint } from '../../model/topology.ts';
import { reportStep } from '../report-step.ts';
import { describeOs, factsScript, parseFacts, type ServerFacts } from './facts.ts';
import { parsePlainFacts, plainFactsScript, type PlainServerFacts } from './plain-facts.ts';
import { planPlainServer, type PlainRuntime } from './plan-plain.ts';
import { connectWithin, runStep } from './provision-host.ts';

/** How to provision. */
export interface ProvisionPlainOptions {
  endpoint: SshEndpoint;
  runtime: PlainRuntime;
  ssh: SshConnectOptions;
  onEvent: EventSink;
  /** Keep trying to connect this long; default: try once. */
  waitForSshMs?: number;
}

/** What provisioning found and did. */
export interface PlainProvisionResult {
  os: string;
  /** Packages installed by this run (none: the server was ready, nothing changed). */
  installed: string[];
}

/** One line about the server, as the facts step reports it. */
function describeServer(facts: ServerFacts, plain: PlainServerFacts): string {
  const who = facts.uid === 0 ? 'root' : `uid ${facts.uid}${facts.sudo ? ' with sudo' : ''}`;
  const init =
    plain.pid1 === 'systemd'
      ? `systemd ${plain.systemdVersion || '?'} (${plain.systemState || 'no answer'})`
      : `PID 1 ${plain.pid1 || 'unknown'}`;
  return `server runs ${describeOs(facts.os)} as ${who}, ${plain.arch || 'unknown architecture'}, ${init}`;
}

/** Provision `options.endpoint` for a plain-server runtime; the connection is closed before returning. */
export async function provisionPlainServer(
  options: ProvisionPlainOptions,
): Promise<PlainProvisionResult> {
  const { endpoint, ssh, onEvent, runtime } = options;
  const link = await reportStep(
    onEvent,
    'connect',
    `connect to ${describeEndpoint(endpoint)} (verify the host key, log in)`,
    () => connectWithin(endpoint, ssh, options.waitForSshMs ?? 0),
  );
  try {
    const { facts, plain } = await reportStep(
      onEvent,
      'facts',
      `check the server for runtime: ${runtime} (OS, privileges, init system, architecture, disk, tools)`,
      async () => {
        const script = `${plainFactsScript()}\n${factsScript(endpoint.socket)}`;
        const result = await runCaptured(link, 'sh -s', script);
        if (result.code !== 0)
          throw new RuntimeError(
            `${endpoint.name}: could not inspect the server: ${result.stderr.trim()}`,
          );
        return { facts: parseFacts(result.stdout), plain: parsePlainFacts(result.stdout) };
      },
      ({ facts: f, plain: p }) => describeServer(f, p),
    );
    const plan = planPlainServer(facts, plain, {
      host: endpoint.name,
      user: endpoint.user,
      runtime,
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
    return { os: describeOs(facts.os), installed: plan.packages };
  } finally {
    await link.close();
  }
}
