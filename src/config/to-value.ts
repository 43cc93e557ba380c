/**
 * The YAML tree → plain values, recording where every key and value sits (for messages),
 * interpolating `${VAR}` in string scalars (never in keys), expanding aliases and `<<` merge keys
 * under a node budget (a "billion laughs" file stops after MAX_ALIAS_NODES expanded nodes instead
 * of exhausting memory), and refusing nesting deeper than MAX_DEPTH.
 */
import { isAlias, isMap, isScalar, isSeq, type Node, type YAMLMap } from 'yaml';
import { type Env, interpolate } from './interpolate.ts';
import { MAX_DEPTH, NESTING_MESSAGE, type ParsedYaml, positionOf } from './load-yaml.ts';
import { type Locator, type PathSegment, type Position, formatPath } from './locate.ts';
import type { Problems } from './problems.ts';

/** Most nodes that alias expansion may produce in one file. */
export const MAX_ALIAS_NODES = 10_000;

interface Walk {
  parsed: ParsedYaml;
  locator: Locator;
  problems: Problems;
  env: Env;
  dotEnvHint: string;
  aliasNodes: number;
  stopped: boolean;
  /** Collections being visited: an alias to one of them would expand forever. */
  ancestors: Set<unknown>;
}

/** Where a node is recorded: its value position and, for mapping entries, its key position. */
interface Where {
  value: Position;
  key: Position | undefined;
}

/**
 * Convert the parsed document to plain data; problems (interpolation, limits) are reported.
 * `complete` is false when a limit stopped the walk: the value is partial and not worth checking.
 */
export function toValue(
  parsed: ParsedYaml,
  options: { locator: Locator; problems: Problems; env: Env; dotEnvHint: string },
): { value: unknown; complete: boolean } {
  const walk: Walk = { parsed, ...options, aliasNodes: 0, stopped: false, ancestors: new Set() };
  const root = parsed.document.contents;
  const value = root ? visit(walk, root, [], undefined, 0, false) : undefined;
  return { value, complete: !walk.stopped };
}

/** Position of a node's first character (or the start of the file for synthetic nodes). */
function startOf(walk: Walk, node: Node | null | undefined): Position | undefined {
  const offset = node?.range?.[0];
  return offset === undefined ? undefined : positionOf(walk.parsed.lineCounter, offset);
}

/** Stop the walk with one located problem (limits are reported once, not per node). */
function stop(walk: Walk, path: PathSegment[], message: string): undefined {
  if (!walk.stopped) walk.problems.report(path, message);
  walk.stopped = true;
  return undefined;
}

function visit(
  walk: Walk,
  node: unknown,
  path: PathSegment[],
  where: Where | undefined,
  depth: number,
  inAlias: boolean,
): unknown {
  if (walk.stopped) return undefined;
  const own = startOf(walk, node as Node);
  walk.locator.set(path, where?.value ?? own ?? { line: 1, column: 1 }, where?.key);
  if (depth > MAX_DEPTH) {
    return stop(walk, path, NESTING_MESSAGE);
  }
  if (inAlias && ++walk.aliasNodes > MAX_ALIAS_NODES) {
    const message = `aliases expand to more than ${MAX_ALIAS_NODES} values — refusing (an alias bomb?)`;
    return stop(walk, path, message);
  }
  if (isAlias(node)) {
    const target = node.resolve(walk.parsed.document);
    if (!target) return stop(walk, path, `unknown alias "*${node.source}"`);
    if (walk.ancestors.has(target)) {
      return stop(walk, path, `alias "*${node.source}" refers to a collection that contains it`);
    }
    const at = { value: own ?? { line: 1, column: 1 }, key: where?.key };
    return visit(walk, target, path, at, depth, true);
  }
  if (isScalar(node)) return scalarValue(walk, node.value, path);
  if (isSeq(node) || isMap(node)) {
    walk.ancestors.add(node);
    try {
      if (isMap(node)) return visitMap(walk, node, path, where, depth, inAlias);
      return node.items.map((item, i) =>
        visit(walk, item, [...path, i], undefined, depth + 1, inAlias),
      );
    } finally {
      walk.ancestors.delete(node);
    }
  }
  return undefined;
}

/** A mapping: merge keys first, then its own keys (duplicates reported). */
function visitMap(
  walk: Walk,
  node: YAMLMap,
  path: PathSegment[],
  where: Where | undefined,
  depth: number,
  inAlias: boolean,
): Record<string, unknown> {
  const own = startOf(walk, node);
  const out: Record<string, unknown> = {};
  const seen = new Map<string, Position>();
  // Merge sources first, so the map's own keys (visited after) win, as YAML 1.1 specifies.
  for (const pair of node.items) {
    if (isScalar(pair.key) && pair.key.value === '<<') {
      const merged = visit(walk, pair.value, path, where ?? undefined, depth, inAlias);
      for (const source of Array.isArray(merged) ? merged : [merged]) {
        if (source && typeof source === 'object' && !Array.isArray(source)) {
          for (const [k, v] of Object.entries(source as object)) define(out, k, v);
        } else stop(walk, path, 'a "<<" merge key needs a mapping or a list of mappings');
      }
    }
  }
  for (const pair of node.items) {
    if (!isScalar(pair.key)) {
      const at = startOf(walk, pair.key as Node) ?? own;
      walk.problems.add({ ...at, path: formatPath(path), message: 'keys must be plain text' });
      continue;
    }
    if (pair.key.value === '<<') continue;
    const key = String(pair.key.value);
    const keyAt = startOf(walk, pair.key) ?? own ?? { line: 1, column: 1 };
    const first = seen.get(key);
    if (first) {
      const message = `duplicate key "${key}" — first defined at line ${first.line}; each key may appear once`;
      walk.problems.add({ ...keyAt, path: formatPath([...path, key]), message });
      continue;
    }
    seen.set(key, keyAt);
    const valueAt = startOf(walk, pair.value as Node) ?? keyAt;
    const value = visit(
      walk,
      pair.value,
      [...path, key],
      { key: keyAt, value: valueAt },
      depth + 1,
      inAlias,
    );
    define(out, key, value);
  }
  return out;
}

/** Interpolate string scalars; other scalars (numbers, booleans, null) pass through. */
function scalarValue(walk: Walk, value: unknown, path: PathSegment[]): unknown {
  if (typeof value !== 'string') return value;
  const result = interpolate(value, walk.env, walk.dotEnvHint);
  if ('error' in result) {
    walk.problems.report(path, result.error);
    walk.problems.silence(path);
    return value;
  }
  return result.value;
}

/** Set an own property even for keys like `__proto__` (plain assignment would set the prototype). */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
