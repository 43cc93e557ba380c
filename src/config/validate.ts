/**
 * Schema validation: zod issues → located problems, and a typed result even when some parts are
 * invalid (the invalid keys are pruned and the rest re-validated), so the rules can still report
 * their problems in the same run instead of one round per fix.
 */
import type { z } from 'zod';
import type { PathSegment } from './locate.ts';
import type { Problems } from './problems.ts';
import { type RawTopology, topologySchema } from './schema.ts';

/** Top-level keys starting with `x-` hold YAML anchors for reuse (as in compose); ignored. */
const EXTENSION_KEY = /^x-/;

/** Deepest path pruned for a problem: `services.<name>.<key>` drops one key of one service. */
const PRUNE_DEPTH = 3;

/** Validate plain data against the schema, report every issue, return what is valid. */
export function validate(value: unknown, problems: Problems): Partial<RawTopology> | undefined {
  const data = withoutExtensions(value);
  const first = topologySchema.safeParse(data, { reportInput: true });
  if (first.success) return first.data;
  for (const issue of first.error.issues) reportIssue(issue, problems);
  return salvage(data, first.error.issues);
}

/** Drop top-level `x-…` keys. */
function withoutExtensions(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !EXTENSION_KEY.test(key)));
}

/** Turn one zod issue into located problems (one per unknown key). */
function reportIssue(issue: z.core.$ZodIssue, problems: Problems): void {
  const path = issue.path as PathSegment[];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const lines = issue.message.split('\n');
      issue.keys.forEach((key, i) => {
        problems.report([...path, key], lines[i] ?? `unknown key "${key}"`, 'key');
      });
      return;
    }
    case 'invalid_key':
      problems.report(path, issue.issues[0]?.message ?? issue.message, 'key');
      return;
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) {
        const last = path[path.length - 1];
        const message =
          last === undefined
            ? 'the file is empty — expected a mapping with project: and services:'
            : `missing required key "${String(last)}"`;
        problems.report(path, message);
        return;
      }
      problems.report(path, issue.message);
      return;
    default:
      problems.report(path, issue.message);
  }
}

/**
 * Re-validate with the offending keys removed (top-level keys all optional) until it passes.
 * Returns undefined when nothing useful is left (the file is not a mapping at all).
 */
function salvage(data: unknown, issues: z.core.$ZodIssue[]): Partial<RawTopology> | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const lenient = topologySchema.partial();
  const current = structuredClone(data) as Record<string, unknown>;
  let pending = issues;
  // A pruned key can reveal nothing new, so a few rounds always suffice; the bound is a guard.
  for (let round = 0; round < 5; round++) {
    for (const issue of pending) {
      const path = issue.path as PathSegment[];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) prune(current, [...path, key]);
      } else prune(current, path.slice(0, PRUNE_DEPTH));
    }
    const again = lenient.safeParse(current);
    if (again.success) return again.data;
    pending = again.error.issues;
  }
  return undefined;
}

/** Delete the value at `path` from the nested mappings of `root`. */
function prune(root: Record<string, unknown>, path: PathSegment[]): void {
  if (path.length === 0) return;
  let node: unknown = root;
  for (const segment of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return;
    node = (node as Record<PathSegment, unknown>)[segment];
  }
  const last = path[path.length - 1];
  if (node && typeof node === 'object' && !Array.isArray(node) && last !== undefined) {
    Reflect.deleteProperty(node, last);
  }
}
