/**
 * Schema validation: zod issues → located problems, and a typed result even when some parts are
 * invalid (the invalid keys are pruned and the rest re-validated), so the rules can still report
 * their problems in the same run instead of one round per fix.
 */
import { z } from 'zod';
import type { PathSegment } from './locate.ts';
import type { Problems } from './problems.ts';
import { type RawTopology, topologySchema } from './schema.ts';

// The schema validates one small document per run: zod's default compiles each object schema
// into a function on first use (new Function), which costs more than the single parse it speeds
// up. Interpreting is faster for a CLI's one-shot parse.
z.config({ jitless: true });

/** Top-level keys starting with `x-` hold YAML anchors for reuse (as in compose); ignored. */
const EXTENSION_KEY = /^x-/;

/** Rounds of pruning before giving up on running the rules (the deepest path is ~6 keys). */
const MAX_ROUNDS = 8;

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

/**
 * Turn one zod issue into located problems (one per unknown key). `prefix` is the path of the
 * union an issue came from: branch issues have paths relative to it.
 */
function reportIssue(
  issue: z.core.$ZodIssue,
  problems: Problems,
  prefix: PathSegment[] = [],
): void {
  const path = [...prefix, ...(issue.path as PathSegment[])];
  if (isMissing(issue)) {
    const last = path[path.length - 1];
    const message =
      last === undefined
        ? 'the file is empty — expected a mapping with project: and services:'
        : `missing required key "${String(last)}"`;
    problems.report(path, message);
    return;
  }
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
    case 'invalid_union': {
      // zod gives up on a union when every branch failed; the branch whose type matched the
      // input (its issues are deeper than "wrong type") says more than the union's summary.
      const matching = issue.errors.filter((branch) =>
        branch.some((i) => i.path.length > 0 || !isWrongType(i)),
      );
      const [only] = matching;
      if (matching.length === 1 && only)
        for (const inner of only) reportIssue(inner, problems, path);
      else problems.report(path, issue.message);
      return;
    }
    default:
      problems.report(path, issue.message);
  }
}

/**
 * Whether an issue only says the input has the wrong type for its branch: `invalid_type`, or an
 * enum branch (`tls: auto | off | …`) handed a mapping or a list, which zod reports as a wrong
 * value — so that `tls: { cert: a, kye: b }` is reported by the mapping branch ("unknown key").
 */
function isWrongType(issue: z.core.$ZodIssue): boolean {
  if (issue.code === 'invalid_type') return true;
  const input = 'input' in issue ? issue.input : undefined;
  return issue.code === 'invalid_value' && typeof input === 'object' && input !== null;
}

/** Whether an issue is about a key that is absent (zod reports it as a wrong type). */
function isMissing(issue: z.core.$ZodIssue): boolean {
  if (issue.code !== 'invalid_type' && issue.code !== 'invalid_union') return false;
  return !('input' in issue) || issue.input === undefined;
}

/**
 * Re-validate with the offending keys removed (top-level keys all optional) until it passes.
 * Round r removes r levels above each issue, so an issue that removing its own key cannot fix
 * (a missing required key) ends by dropping its enclosing mapping. Returns undefined when
 * nothing useful is left (the file is not a mapping at all).
 */
function salvage(data: unknown, issues: z.core.$ZodIssue[]): Partial<RawTopology> | undefined {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const lenient = topologySchema.partial();
  const current = structuredClone(data) as Record<string, unknown>;
  let pending = issues;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    for (const issue of pending) {
      const path = issue.path as PathSegment[];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) prune(current, [...path, key]);
        continue;
      }
      // A bad list element drops its list: a list with holes would shift every index.
      let end = path.length;
      while (end > 0 && typeof path[end - 1] === 'number') end--;
      prune(current, path.slice(0, Math.max(1, end - round)));
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
