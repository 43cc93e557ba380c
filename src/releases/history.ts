/**
 * A project's release history on one host (issue 19): every `up` or `rollback` that changed a
 * service's image or configuration appends a release naming what each service then ran. The
 * history lives on the target host (the target stores it), so every operator sees the same one.
 * Pure: reading, appending, choosing what a rollback goes back to, which images to keep.
 */
import { z } from 'zod';

/** What one service ran in a release. */
export interface ReleasedService {
  /** Image ID (`sha256:…`). */
  image: string;
  /** The reference the image was deployed by (a tag). */
  ref: string;
  /** The service's configuration hash (its containers' config-hash label). */
  configHash: string;
}

/** One release of a project on one host. */
export interface Release {
  /** 1, 2, 3… per project and host. */
  id: number;
  /** ISO time the deploy finished. */
  time: string;
  /** `user@machine` that deployed. */
  operator: string;
  /** notesctl version that deployed. */
  version: string;
  /** Services whose image or configuration this release changed. */
  changed: string[];
  /** Every service of the project on the host, as it ran after this release. */
  services: Record<string, ReleasedService>;
  /** Set when the release is a rollback: the release it went back to. */
  rollbackOf?: number;
}

/** A release about to be recorded: what ran after the deploy and what it changed. */
export interface ReleaseCandidate {
  changed: string[];
  services: Record<string, ReleasedService>;
}

/** Who made a release, and with what. */
export interface ReleaseAuthor {
  time: Date;
  operator: string;
  version: string;
  rollbackOf?: number;
}

/** Releases kept in the history (images are kept for fewer: releases.keep). */
export const HISTORY_LIMIT = 100;

const releasedService = z.object({ image: z.string(), ref: z.string(), configHash: z.string() });
const release = z.object({
  id: z.number().int().positive(),
  time: z.string(),
  operator: z.string(),
  version: z.string(),
  changed: z.array(z.string()),
  services: z.record(z.string(), releasedService),
  rollbackOf: z.number().int().positive().optional(),
});
const historyFile = z.object({ format: z.literal(1), releases: z.array(release) });

/** The history from its file's text (undefined: no file yet → no releases). */
export function parseHistory(text: string | undefined): Release[] {
  if (text === undefined || text.trim() === '') return [];
  const parsed = historyFile.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`unreadable release history: ${parsed.error.message}`);
  return parsed.data.releases.map(({ rollbackOf, ...r }) =>
    rollbackOf === undefined ? r : { ...r, rollbackOf },
  );
}

/** The history file's text. */
export function formatHistory(releases: Release[]): string {
  return `${JSON.stringify({ format: 1, releases }, null, 2)}\n`;
}

/**
 * The history with `candidate` appended as the next release; services out of the candidate
 * (another `up`'s scope) keep what the last release said. Undefined when nothing changed.
 */
export function appendRelease(
  history: Release[],
  candidate: ReleaseCandidate,
  author: ReleaseAuthor,
): { history: Release[]; release: Release } | undefined {
  if (candidate.changed.length === 0) return undefined;
  const last = history.at(-1);
  const next: Release = {
    id: (last?.id ?? 0) + 1,
    time: author.time.toISOString(),
    operator: author.operator,
    version: author.version,
    changed: [...candidate.changed].sort(),
    services: sortedServices({ ...last?.services, ...candidate.services }),
    ...(author.rollbackOf === undefined ? {} : { rollbackOf: author.rollbackOf }),
  };
  return { history: [...history, next].slice(-HISTORY_LIMIT), release: next };
}

function sortedServices(
  services: Record<string, ReleasedService>,
): Record<string, ReleasedService> {
  return Object.fromEntries(Object.entries(services).sort(([a], [b]) => a.localeCompare(b)));
}

/** What a rollback deploys: the images to pin per service, and the release it goes back to. */
export interface RollbackChoice {
  to: Release;
  /** Service → image ID to run instead of the topology's. */
  pins: Map<string, ReleasedService>;
}

/** Why a rollback cannot be chosen; the command turns it into a user error. */
export class RollbackRefused extends Error {
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/**
 * Choose what a rollback goes back to. `--to ID` names the release; without it, the latest
 * release before the current one in which `service` (or, for the whole project, any service)
 * ran a different image. Services are pinned to that release's images where they differ from now.
 */
export function chooseRollback(
  history: Release[],
  options: { services: string[]; to: number | undefined },
): RollbackChoice {
  const current = history.at(-1);
  if (!current)
    throw new RollbackRefused(
      'no release recorded yet',
      'Deploy with `notesctl up` first; each up that changes a service records a release.',
    );
  const scope = options.services.length > 0 ? options.services : Object.keys(current.services);
  for (const name of scope) {
    if (!current.services[name])
      throw new RollbackRefused(
        `service ${name} is in no release on this host`,
        'Run `notesctl releases` to see the services each release ran.',
      );
  }
  const differs = (r: Release) =>
    scope.filter((s) => r.services[s] && r.services[s].image !== current.services[s]?.image);
  let to: Release | undefined;
  if (options.to !== undefined) {
    to = history.find((r) => r.id === options.to);
    if (!to)
      throw new RollbackRefused(
        `release ${options.to} is not in the history (${describeIds(history)})`,
        'Run `notesctl releases` to see the releases recorded.',
      );
  } else {
    to = [...history.slice(0, -1)].reverse().find((r) => differs(r).length > 0);
    if (!to)
      throw new RollbackRefused(
        `no earlier release ran another image of ${scope.join(', ')}`,
        'Run `notesctl releases` to see the releases recorded, and pick one with --to.',
      );
  }
  const pins = new Map<string, ReleasedService>();
  for (const name of differs(to)) {
    const pinned = to.services[name];
    if (pinned) pins.set(name, pinned);
  }
  if (pins.size === 0)
    throw new RollbackRefused(
      `release ${to.id} runs the same images of ${scope.join(', ')} as now`,
      'Nothing to roll back; `notesctl releases` shows what each release ran.',
    );
  return { to, pins };
}

function describeIds(history: Release[]): string {
  if (history.length === 0) return 'none recorded';
  const first = history[0]?.id ?? 0;
  const last = history.at(-1)?.id ?? 0;
  return first === last ? `only ${first}` : `${first}–${last}`;
}

/**
 * The image IDs of `service` that releases ran but none of the last `keep` distinct ones: those
 * a deploy may remove. An image no release ran (built ahead with `notesctl build`) is not in it.
 */
export function imagesToRemove(history: Release[], service: string, keep: number): Set<string> {
  const kept = imagesToKeep(history, service, keep);
  const ran = history.flatMap((r) => r.services[service]?.image ?? []);
  return new Set(ran.filter((image) => !kept.has(image)));
}

/**
 * The image IDs of `service` to keep: those of the last `keep` distinct images it ran, newest
 * first, always including what runs now.
 */
export function imagesToKeep(history: Release[], service: string, keep: number): Set<string> {
  const kept = new Set<string>();
  for (const r of [...history].reverse()) {
    const image = r.services[service]?.image;
    if (image === undefined || kept.has(image)) continue;
    if (kept.size >= keep) break;
    kept.add(image);
  }
  return kept;
}
