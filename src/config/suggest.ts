/**
 * "Did you mean" for unknown keys and names: the closest candidate by Damerau-Levenshtein
 * (optimal string alignment) distance ≤ 2, or a candidate the word is a prefix of.
 */

/** Edit distance counting insertions, deletions, substitutions and adjacent transpositions. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The candidate closest to `word`, or undefined when none is close enough to be a typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const lower = word.toLowerCase();
  // Short words tolerate fewer edits, or "db" would "mean" every two-letter name.
  const limit = word.length <= 3 ? 1 : 2;
  let best: { name: string; score: number } | undefined;
  for (const name of [...candidates].sort()) {
    if (name === word) continue;
    const candidate = name.toLowerCase();
    let score = editDistance(lower, candidate);
    if (score > limit && lower.length >= 3 && candidate.startsWith(lower)) score = limit;
    if (score <= limit && (!best || score < best.score)) best = { name, score };
  }
  return best?.name;
}

/** ` — did you mean "x"?` when there is a close candidate, else the allowed list (if short). */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const close = suggest(word, candidates);
  if (close !== undefined) return ` — did you mean "${close}"?`;
  if (candidates.length === 0) return '';
  if (candidates.length > 12) return '';
  return ` (expected one of: ${[...candidates].sort().join(', ')})`;
}
