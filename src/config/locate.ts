/**
 * Where each key and value of the topology file sits, by dotted key path, so that every problem
 * found after parsing (schema, rules) can still point at a line and column.
 */

/** A 1-based position in the topology file. */
export interface Position {
  line: number;
  column: number;
}

/** One segment of a key path: a mapping key or a list index. */
export type PathSegment = string | number;

/** Keys that print bare in a dotted path; anything else is quoted (`env["a.b"]`). */
const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** Format key-path segments the way users read them: `services.notes.ports[0]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (BARE_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(file)' : out;
}

/** The recorded positions of one node: its key (for mapping entries) and its value. */
interface Entry {
  key: Position | undefined;
  value: Position;
}

/** Positions of every node of the parsed document, looked up by key path. */
export class Locator {
  readonly #entries = new Map<string, Entry>();

  /** Record where the node at `path` starts (and its key, when it is a mapping entry). */
  set(path: readonly PathSegment[], value: Position, key?: Position): void {
    this.#entries.set(formatPath(path), { key, value });
  }

  /** Whether the file has a node at `path` (even one the schema rejected). */
  has(path: readonly PathSegment[]): boolean {
    return this.#entries.has(formatPath(path));
  }

  /**
   * Position for a problem at `path`: the key when asked for (unknown keys, invalid names),
   * else the value. A path that is not in the file (a missing key) falls back to the key of its
   * closest ancestor that is, so "missing image" points at the service's name.
   */
  at(path: readonly PathSegment[], prefer: 'key' | 'value' = 'value'): Position {
    const exact = this.#entries.get(formatPath(path));
    if (exact) return prefer === 'key' ? (exact.key ?? exact.value) : exact.value;
    for (let n = path.length - 1; n >= 0; n--) {
      const parent = this.#entries.get(formatPath(path.slice(0, n)));
      if (parent) return parent.key ?? parent.value;
    }
    return { line: 1, column: 1 };
  }
}
