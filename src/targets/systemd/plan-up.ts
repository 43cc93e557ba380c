/**
 * The systemd target's `up` pipeline, shared by `up` and `plan` (issue 21): observe the server
 * in one script, choose Node, compute release ids (nothing is built yet: an unchanged app has
 * the same id), resolve secrets, build the desired state and reconcile (pure).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RuntimeError } from '../../errors.ts';
import type { Shell } from '../../engine/shell.ts';
import type { Secret, Service, Topology } from '../../model/topology.ts';
import { secretsDigest } from '../../plan/hash.ts';
import type { Plan } from '../../plan/types.ts';
import { resolveSecrets, type SecretValues } from '../../secrets/store.ts';
import type { PlanUpOptions } from '../target.ts';
import { desiredSystemd, isDatabase, type SystemdDesired } from './desired.ts';
import { dockerfileCommand } from './dockerfile-cmd.ts';
import { DEFAULT_NODE_SETTINGS } from '../../model/node.ts';
import {
  chooseNodeVersion,
  majorOf,
  nodeProvider,
  serverArch,
  wantedNode,
  type NodeArchive,
  type NodeProvider,
} from './node-dist.ts';
import { observeScript, parseObserved, type SystemdObserved } from './observe.ts';
import { reconcileSystemd } from './reconcile.ts';
import { SYSTEMD_RENDERER, type AppRenderer } from './renderer.ts';
import { checkHost, SYSTEMD_STEPS, type RuntimeSteps } from './steps.ts';
import { releaseOf, type ReleaseRef } from './release.ts';
import { RELEASES_KEPT } from './scripts.ts';
import type { ReleaseCandidate } from '../../releases/history.ts';

/** A plan and what executing it needs. */
export interface SystemdPlanned {
  plan: Plan;
  desired: SystemdDesired;
  observed: SystemdObserved;
  releases: Map<string, ReleaseRef>;
  major: number;
  secrets: SecretValues;
  /** The archive to install when the server lacks the version; fetch() gets it here, verified, once. */
  node: { archive: NodeArchive | undefined; fetch: () => Promise<string> };
}

/** Observe the server (throws naming the host when the script cannot run). */
export async function observeHost(shell: Shell, project: string): Promise<SystemdObserved> {
  return parseObserved(await runObserve(shell, observeScript(project)));
}

/** Run an observing script; its output, or an error naming the host. */
export async function runObserve(shell: Shell, script: string): Promise<string> {
  const result = await shell.run(script);
  if (result.code !== 0)
    throw new RuntimeError(
      `reading the state of ${shell.hostName} failed: ${result.stderr.trim()}`,
    );
  return result.stdout;
}

/** A plain-server runtime as the shared pipeline sees it: systemd, or PM2 (src/targets/pm2). */
export interface PlainRuntime {
  name: 'systemd' | 'pm2';
  /** Read the server: the shared facts and the runtime's own (its apps as units). */
  observe(shell: Shell, project: string): Promise<SystemdObserved>;
  /** How apps are rendered and which steps the runtime adds, once Node's version is known. */
  prepare(
    node: string,
    observed: SystemdObserved,
  ): Promise<{ renderer: AppRenderer; steps: RuntimeSteps }>;
}

/** systemd units. */
export const SYSTEMD_RUNTIME: PlainRuntime = {
  name: 'systemd',
  observe: observeHost,
  prepare: () => Promise.resolve({ renderer: SYSTEMD_RENDERER, steps: SYSTEMD_STEPS }),
};

/** Observe, resolve and reconcile `services` on a plain server. */
export async function planSystemdUp(
  shell: Shell,
  topology: Topology,
  host: string,
  services: string[],
  options: PlanUpOptions,
  runtime: PlainRuntime = SYSTEMD_RUNTIME,
): Promise<SystemdPlanned> {
  const builds = services
    .map((s) => topology.services[s])
    .filter((s): s is Service => s !== undefined && s.image.kind === 'build');
  const folders = builds.map((s) => (s.image.kind === 'build' ? s.image.context : ''));
  const settings = topology.hosts[host]?.node ?? DEFAULT_NODE_SETTINGS;
  const [observed, wanted] = await Promise.all([
    runtime.observe(shell, topology.project),
    wantedNode(settings, folders),
  ]);
  checkHost(host, observed, runtime.name);
  const major = majorOf(wanted);
  const provider = nodeProvider(settings, host);
  const node = await chooseNodeVersion(wanted, observed.nodes, (m) =>
    provider.newest(m, serverArch(observed.platform, host)),
  );
  const { renderer, steps } = await runtime.prepare(node, observed);
  const releases = new Map<string, ReleaseRef>();
  const commands = new Map<string, string[] | undefined>();
  await Promise.all(
    builds.map(async (s) => {
      if (s.image.kind !== 'build') return;
      releases.set(s.name, await releaseOf(topology.project, s, major));
      const text = await readFile(join(s.image.context, s.image.dockerfile), 'utf8').catch(
        () => '',
      );
      commands.set(s.name, dockerfileCommand(text));
    }),
  );
  const needed = [
    ...new Set(services.flatMap((s) => topology.services[s]?.secrets.map((m) => m.secret) ?? [])),
  ]
    .map((name) => topology.secrets[name])
    .filter((s): s is Secret => s !== undefined);
  const secrets = await resolveSecrets(topology.project, host, needed, { dryRun: options.dryRun });
  const secretDigests = new Map<string, string>();
  for (const name of services) {
    const entries = (topology.services[name]?.secrets ?? []).map((m) => ({
      name: m.secret,
      value: secrets.values.get(m.secret) ?? Buffer.from(`(pending ${m.secret})`),
    }));
    secretDigests.set(name, secretsDigest(secrets.hashKey, entries));
  }
  const ids = new Map([...releases].map(([s, r]) => [s, r.id]));
  // A rollback runs earlier releases, which must still be on the server.
  for (const [service, pin] of options.pins ?? []) {
    if (!observed.releases.get(service)?.includes(pin.image)) {
      throw new RuntimeError(`release ${pin.image} of ${service} is no longer on ${host}`, {
        hint: `Only the last ${RELEASES_KEPT} releases of each service are kept: deploy that version again with \`notesctl up\` from its sources.`,
      });
    }
    ids.set(service, pin.image);
  }
  const desired = desiredSystemd({
    topology,
    host,
    services,
    node,
    releases: ids,
    commands,
    secretDigests,
    renderer,
  });
  const nodeArchive = observed.nodes.includes(node)
    ? undefined
    : await provider.archive(node, observed.platform);
  const plan = reconcileSystemd(desired, observed, options, { nodeArchive, steps });
  return {
    plan,
    desired,
    observed,
    releases,
    major,
    secrets,
    node: { archive: nodeArchive, fetch: once(provider, nodeArchive) },
  };
}

/** Fetch `archive` from `provider` on the first call; later calls share the result. */
function once(provider: NodeProvider, archive: NodeArchive | undefined): () => Promise<string> {
  let file: Promise<string> | undefined;
  return () => {
    if (!archive) return Promise.reject(new Error('bug: no Node archive planned'));
    file ??= provider.fetch(archive);
    return file;
  };
}

/** The release this plan records: every app with its release; changed, those it restarts. */
export function releaseCandidate(
  planned: Pick<SystemdPlanned, 'plan' | 'desired'>,
): ReleaseCandidate {
  const deployed = new Set(planned.plan.operations.map((o) => o.id));
  const services = Object.fromEntries(
    planned.desired.apps.map((a) => [
      a.service,
      { image: a.release, ref: `release ${a.release}`, configHash: a.hash },
    ]),
  );
  return {
    changed: planned.desired.apps
      .filter((a) => deployed.has(`deploy:${a.service}`))
      .map((a) => a.service),
    services,
  };
}

/** Services of the topology on `host` that are databases (for `down --volumes`). */
export function databaseServices(topology: Topology, host: string): string[] {
  return Object.values(topology.services)
    .filter((s) => s.host === host && isDatabase(s))
    .map((s) => s.name);
}
