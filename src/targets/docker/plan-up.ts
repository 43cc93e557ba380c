/**
 * The Docker target's `up` pipeline, which `up` and `plan` share: observe the engine, resolve
 * images and secrets, build the desired state and reconcile (pure). With `dryRun` nothing is
 * built, pulled or written. It lives with its target, not in src/plan: observing and resolving
 * images talk to an engine, and the plan layer stays pure.
 */
import { RuntimeError } from '../../errors.ts';
import type { SecretFiles } from '../../apply/execute.ts';
import { resolveImages } from '../../build/images.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Secret, Topology } from '../../model/topology.ts';
import { desiredState } from '../../plan/desired.ts';
import { secretsDigest } from '../../plan/hash.ts';
import { observe } from '../../plan/observe.ts';
import { reconcile } from '../../plan/reconcile.ts';
import { resolveSecrets } from '../../secrets/store.ts';
import { secretsFor } from './shared-secrets.ts';
import type { PlannedUp, PlanUpOptions } from '../target.ts';
import type { ReleasedService } from '../../releases/history.ts';
import { releaseCandidate, resolvePins } from './release-inputs.ts';
import { PROXY_SERVICE } from '../../proxy/names.ts';
import {
  checkProxyPorts,
  digestObservedSecrets,
  proxyPaths,
  proxySecretNames,
  readAcmeRoot,
  secretDigestOf,
} from './proxy-inputs.ts';

/** Observe, resolve and reconcile the `services` placed on `engine`'s host. */
export async function planUp(
  engine: Engine,
  topology: Topology,
  host: string,
  services: string[],
  options: PlanUpOptions & {
    /** The operator's engine when the target is remote (images are built there and shipped). */
    builder: Engine | undefined;
  },
): Promise<PlannedUp> {
  const paths = proxyPaths(topology, host);
  const proxyImage = paths ? [{ name: PROXY_SERVICE, ref: topology.proxy.image }] : [];
  const pins = options.pins ?? new Map<string, ReleasedService>();
  const unpinned = services.filter((s) => !pins.has(s));
  const [observed, images, acmeRoot, pinned] = await Promise.all([
    observe(engine, topology.project, paths),
    resolveImages(engine, topology, unpinned, { ...options, noCache: false }, proxyImage),
    readAcmeRoot(topology),
    resolvePins(engine, pins),
  ]);
  for (const [service, image] of pinned) images.images.set(service, image);
  const needed = [
    ...new Set([
      ...services.flatMap((s) => topology.services[s]?.secrets.map((m) => m.secret) ?? []),
      ...proxySecretNames(topology, host),
    ]),
  ]
    .map((name) => topology.secrets[name])
    .filter((s): s is Secret => s !== undefined);
  const secrets = await secretsFor(engine, topology, host, needed, observed, options);
  if (!secrets.existed && secrets.missing.length > 0 && observed.volumes.length > 0) {
    throw new RuntimeError(
      `the secret store ${secrets.path} does not exist, but project ${topology.project} already has volumes on ${host}: the databases there were set up with the old values`,
      {
        hint: `Restore ${secrets.path} from your backup, or start from scratch with \`notesctl down --volumes\` (deletes the data).`,
      },
    );
  }
  const values = options.dryRun
    ? secrets
    : await resolveSecrets(topology.project, host, needed, { dryRun: false });
  const digests = new Map<string, string>();
  for (const name of services) {
    const mounts = topology.services[name]?.secrets ?? [];
    const entries = mounts.map((m) => ({
      name: m.secret,
      value: values.values.get(m.secret) ?? Buffer.from(`(pending ${m.secret})`),
    }));
    digests.set(name, secretsDigest(values.hashKey, entries));
  }
  const value = (secret: string) => {
    const content = values.values.get(secret);
    if (!content) throw new Error(`bug: secret ${secret} was not resolved`);
    return content;
  };
  const proxyId = images.images.get(PROXY_SERVICE)?.id;
  checkProxyPorts(observed, topology, host);
  digestObservedSecrets(observed, topology, host, values.hashKey);
  const desired = desiredState({
    topology,
    host,
    services,
    images: images.images,
    secretDigests: digests,
    proxy:
      proxyId === undefined
        ? undefined
        : {
            imageId: proxyId,
            acmeRoot,
            secretDigest: (secret) =>
              secretDigestOf(
                values.hashKey,
                secret,
                values.values.get(secret) ?? Buffer.from(`(pending ${secret})`),
              ),
          },
  });
  const plan = reconcile(desired, observed, options);
  const secretFiles: SecretFiles = (service) =>
    (topology.services[service]?.secrets ?? []).map((m) => ({
      target: m.target,
      content: value(m.secret),
    }));
  return {
    plan,
    release: releaseCandidate(plan, desired.services, images.images),
    images: images.changed,
    shipped: images.shipped,
    secretFiles,
    proxySecrets: value,
    missingSecrets: values.missing,
  };
}
