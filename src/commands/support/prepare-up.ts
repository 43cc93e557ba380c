/**
 * Everything `up` and `plan` share: observe the engine, resolve images and secrets, build the
 * desired state and reconcile. With `dryRun` nothing is built, pulled or written.
 */
import { RuntimeError } from '../../errors.ts';
import type { ApplyEvent } from '../../apply/events.ts';
import type { SecretFiles } from '../../apply/execute.ts';
import { resolveImages, type ImageResolution } from '../../build/images.ts';
import type { Engine } from '../../engine/engine.ts';
import type { Secret, Topology } from '../../model/topology.ts';
import { desiredState } from '../../plan/desired.ts';
import { secretsDigest } from '../../plan/hash.ts';
import { observe } from '../../plan/observe.ts';
import { reconcile } from '../../plan/reconcile.ts';
import type { Plan } from '../../plan/types.ts';
import { resolveSecrets } from '../../secrets/store.ts';

/** Options for prepareUp(). */
export interface PrepareOptions {
  dryRun: boolean;
  forceBuild: boolean;
  noCache: boolean;
  forceRecreate: boolean;
  removeOrphans: boolean;
  wait: boolean;
  onEvent: (event: ApplyEvent) => void;
  /** The operator's engine when the target is remote (images are built there and shipped). */
  builder?: Engine | undefined;
}

/** A plan and what executing it needs. */
export interface PreparedUp {
  plan: Plan;
  images: ImageResolution;
  secretFiles: SecretFiles;
  /** Generated secrets that do not exist yet (dry run only). */
  missingSecrets: string[];
}

/** Observe, resolve and reconcile the `services` placed on `engine`'s host. */
export async function prepareUp(
  engine: Engine,
  topology: Topology,
  host: string,
  services: string[],
  options: PrepareOptions,
): Promise<PreparedUp> {
  const [observed, images] = await Promise.all([
    observe(engine, topology.project),
    resolveImages(engine, topology, services, options),
  ]);
  const needed = [
    ...new Set(services.flatMap((s) => topology.services[s]?.secrets.map((m) => m.secret) ?? [])),
  ]
    .map((name) => topology.secrets[name])
    .filter((s): s is Secret => s !== undefined);
  const secrets = await resolveSecrets(topology.project, host, needed, { dryRun: true });
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
  const desired = desiredState({
    topology,
    host,
    services,
    images: images.images,
    secretDigests: digests,
  });
  const plan = reconcile(desired, observed, options);
  const secretFiles: SecretFiles = (service) =>
    (topology.services[service]?.secrets ?? []).map((m) => {
      const content = values.values.get(m.secret);
      if (!content) throw new Error(`bug: secret ${m.secret} was not resolved`);
      return { target: m.target, content };
    });
  return { plan, images, secretFiles, missingSecrets: values.missing };
}
