/**
 * The printed report: figures per tool with ratios, the services' own start-to-ready times and
 * the longest chain, the issue's targets with PASS/MISS, and the load on the (shared) machine.
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { summarize, type Sample } from './timing.ts';

/** Seconds, with more digits for the short commands. */
export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms < 1000 ? `${(ms / 1000).toFixed(3)} s` : `${(ms / 1000).toFixed(2)} s`;
}

/** "median (min)". */
export function cell(sample: Sample | undefined): string {
  if (!sample || sample.times.length === 0) return '-';
  return `${seconds(sample.median)} (${seconds(sample.min).replace(' s', '')})`;
}

/** notesctl's median divided by a peer's: below 1 means notesctl is faster. */
export function ratio(ours: Sample | undefined, theirs: Sample | undefined): string {
  if (!ours || !theirs || ours.times.length === 0 || theirs.times.length === 0) return '';
  return `${(ours.median / theirs.median).toFixed(2)}×`;
}

/** Align columns of text (first column left, the rest left too: figures carry their own unit). */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One row of the targets table. */
export interface Target {
  name: string;
  measured: string;
  pass: boolean;
}

/** Render the targets. */
export function targetTable(targets: Target[]): string {
  return table([
    ['target', 'measured (medians)', 'result'],
    ...targets.map((t) => [t.name, t.measured, t.pass ? 'PASS' : 'MISS']),
  ]);
}

/** Samples of one tool for one operation, from a list of ms. */
export function sampleOf(times: number[]): Sample {
  return summarize(times);
}

/**
 * Write a bench's raw figures as JSON (`--json FILE`), with the date and the CPU count; Maps
 * become plain objects.
 */
export async function writeRawFigures(
  file: string,
  figures: Record<string, unknown>,
): Promise<void> {
  const replacer = (_key: string, value: unknown): unknown =>
    value instanceof Map ? (Object.fromEntries(value) as unknown) : value;
  const all = { date: new Date().toISOString(), cpus: cpus().length, ...figures };
  await writeFile(file, `${JSON.stringify(all, replacer, 2)}\n`);
  console.log(`raw figures: ${file}`);
}
