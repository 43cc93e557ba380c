/**
 * One host's deploy, as `up` and `rollback` share it: plan, execute, then record the release on
 * the host (nothing when the plan changed no service).
 */
import type { HostSession } from '../../apply/host-session.ts';
import type { ReleaseAuthor } from '../../releases/history.ts';
import type { PlannedUp, PlanUpOptions, RecordedRelease } from '../../targets/target.ts';
import type { Progress } from './host-work.ts';

/** Plan `services` with `options`, carry the plan out, and record what it released. */
export async function deployOnHost(
  { target, inFlight, signal }: HostSession,
  services: string[],
  options: Omit<PlanUpOptions, 'onEvent'>,
  progress: Progress,
  release: { author: ReleaseAuthor; keep: number },
): Promise<PlannedUp & { recorded: RecordedRelease | undefined }> {
  const planned = await target.planUp(services, { ...options, onEvent: progress.onEvent });
  // The session's signal: Ctrl-C, or the deploy lock found lost (the run stops at once).
  await target.execute(planned.plan, { ...progress, ...planned, inFlight, signal });
  const recorded = await target.recordRelease(planned.release, release.author, release.keep);
  return { ...planned, recorded };
}
