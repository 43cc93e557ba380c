/**
 * The collector every stage reports into, so that all problems of a file are printed together
 * (changesets-style) instead of stopping at the first.
 */
import type { ConfigProblem } from '../errors.ts';
import { type Locator, type PathSegment, formatPath } from './locate.ts';
import { compareText } from '../model/order.ts';

/** Most problems a single ConfigError carries; past that, one line says how many were left out. */
export const MAX_PROBLEMS = 100;

/** Collects located problems for one topology file. */
export class Problems {
  readonly file: string;
  readonly locator: Locator;
  readonly #list: ConfigProblem[] = [];
  readonly #silenced = new Set<string>();

  constructor(file: string, locator: Locator) {
    this.file = file;
    this.locator = locator;
  }

  /** Report a problem at a key path, located at its key or its value. */
  report(path: readonly PathSegment[], message: string, at: 'key' | 'value' = 'value'): void {
    const shown = formatPath(path);
    if (this.#isSilenced(shown)) return;
    const { line, column } = this.locator.at(path, at);
    this.#list.push({ file: this.file, line, column, path: shown, message });
  }

  /**
   * Ignore later reports at or under `path`: a value whose `${VAR}` failed to interpolate is
   * reported once, not again by the schema for being malformed.
   */
  silence(path: readonly PathSegment[]): void {
    this.#silenced.add(formatPath(path));
  }

  #isSilenced(shown: string): boolean {
    for (const prefix of this.#silenced) {
      if (shown === prefix || shown.startsWith(`${prefix}.`) || shown.startsWith(`${prefix}[`)) {
        return true;
      }
    }
    return false;
  }

  /** Add a problem that is already located (file-level problems, YAML syntax errors). */
  add(problem: Omit<ConfigProblem, 'file'>): void {
    this.#list.push({ file: this.file, ...problem });
  }

  /** Whether a problem was reported at `path` or under it (so a rule need not pile on). */
  hasUnder(path: readonly PathSegment[]): boolean {
    const prefix = formatPath(path);
    return this.#list.some(
      (p) =>
        p.path === prefix || p.path.startsWith(`${prefix}.`) || p.path.startsWith(`${prefix}[`),
    );
  }

  /** How many problems have been reported so far. */
  get count(): number {
    return this.#list.length;
  }

  /** Problems in file order, duplicates removed, capped at MAX_PROBLEMS. */
  sorted(): ConfigProblem[] {
    const seen = new Set<string>();
    const unique = this.#list.filter((p) => {
      const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    unique.sort(
      (a, b) =>
        (a.line ?? 0) - (b.line ?? 0) ||
        (a.column ?? 0) - (b.column ?? 0) ||
        compareText(a.path, b.path) ||
        compareText(a.message, b.message),
    );
    if (unique.length <= MAX_PROBLEMS) return unique;
    const shown = unique.slice(0, MAX_PROBLEMS);
    const last = shown[shown.length - 1];
    shown.push({
      file: this.file,
      line: last?.line,
      column: last?.column,
      path: '(file)',
      message: `${unique.length - MAX_PROBLEMS} more problems not shown — fix these first`,
    });
    return shown;
  }
}
