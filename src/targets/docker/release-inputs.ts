/**
 * What an `up` on the Docker target hands to the release history (issue 19): the release it
 * would record, and, for a rollback, the earlier images it runs instead of the topology's.
 */
import type { Engine } from '../../engine/engine.ts';
import { RuntimeError } from '../../errors.ts';
import type { ResolvedImage } from '../../plan/desired.ts';
import type { DesiredService, Plan } from '../../plan/types.ts';
import type { ReleaseCandidate, ReleasedService } from '../../releases/history.ts';

/**
 * The release this plan makes: every planned service with its image and configuration hash;
 * changed are those that get a new container (a stopped one started again changes nothing).
 */
export function releaseCandidate(
  plan: Plan,
  services: DesiredService[],
  images: Map<string, ResolvedImage>,
): ReleaseCandidate {
  const created = new Set(
    plan.operations.flatMap((o) =>
      o.operation.kind === 'create-container' ? [o.operation.service] : [],
    ),
  );
  const released: Record<string, ReleasedService> = {};
  for (const service of services) {
    const image = images.get(service.name);
    if (image)
      released[service.name] = { image: image.id, ref: image.ref, configHash: service.hash };
  }
  return { changed: services.map((s) => s.name).filter((s) => created.has(s)), services: released };
}

/**
 * The images a rollback pins, as the host has them: the release's tag when it still names the
 * same image, else the image ID. An image no longer on the host cannot be rolled back to.
 */
export async function resolvePins(
  engine: Engine,
  pins: Map<string, ReleasedService>,
): Promise<Map<string, ResolvedImage>> {
  const resolved = new Map<string, ResolvedImage>();
  await Promise.all(
    [...pins].map(async ([service, pin]) => {
      const image = await engine.inspectImage(pin.image);
      if (!image)
        throw new RuntimeError(
          `image ${pin.image.slice(0, 19)} (${pin.ref}) of service ${service} is no longer on ${engine.hostName}`,
          {
            hint: 'Only the images of the last releases are kept (releases.keep, default 5): deploy that version again with `notesctl up` from its sources.',
          },
        );
      const ref = image.tags.includes(pin.ref) ? pin.ref : image.id;
      resolved.set(service, { ref, id: image.id, healthTest: image.healthcheck?.test });
    }),
  );
  return resolved;
}
