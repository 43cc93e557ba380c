/**
 * What `notesctl plan` prints for one host: the images it would build, pull or ship, the
 * secrets it would generate, then the plan itself (as text, or as JSON with --json).
 */
import { formatPlan, planToJson } from '../plan/format.ts';
import type { PlannedUp } from '../targets/target.ts';

/** The JSON of one host's plan. */
export function plannedUpJson({ plan, images, missingSecrets }: PlannedUp): unknown {
  return { ...(planToJson(plan) as object), images, secretsToGenerate: missingSecrets };
}

/** The text of one host's plan. */
export function plannedUpText({ plan, images, missingSecrets }: PlannedUp): string {
  const lines = images.map((i) => `  ${i.action} image ${i.ref} (${i.service})`);
  if (missingSecrets.length > 0) lines.push(`  generate secrets: ${missingSecrets.join(', ')}`);
  return [...lines, formatPlan(plan)].join('\n');
}
