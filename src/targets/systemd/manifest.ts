/**
 * The file manifest of a plain-server release (issue 21) and the delta between two releases,
 * pure: every file with its type, mode, size and sha256 (a symlink with its target, a folder
 * with its mode), in path order. It is computed on the operator's machine when the release is
 * packed (release-files.ts), kept beside the archive, and installed with the release as
 * `releases/<id>/.notesctl-files`; the next deploy reads it back and sends only the files whose
 * content the server lacks (rsync's idea, without rsync). The install script (scripts.ts) reads
 * the same text with awk, so the format is one line per entry, tab-separated, path last.
 */

/** The manifest's name inside a release folder (and its first line's mark). */
export const MANIFEST_NAME = '.notesctl-files';
/** The list of files to take from the base release, inside a delta archive (removed on install). */
export const DELTA_NAME = '.notesctl-delta';
/** The manifest's first line: its format's version. */
export const MANIFEST_HEADER = '# notesctl-files 1';

/** One entry of a release: modes as installed (files 644 or 755, folders 755). */
export type ManifestEntry =
  | { type: 'f'; path: string; mode: string; size: number; sha256: string }
  | { type: 'd'; path: string; mode: string }
  | { type: 'l'; path: string; target: string };

/** A release's entries, sorted by path (byteOrder: as `LC_ALL=C sort` on the server sorts). */
export type Manifest = ManifestEntry[];

/** Compare paths by their UTF-8 bytes, the order of `LC_ALL=C sort`. */
export function byteOrder(a: { path: string }, b: { path: string }): number {
  return Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));
}

/**
 * The mode a file gets on the server: the install script applies `chmod -R u+rwX,go+rX,go-w`
 * (any execute bit → 755, else 644; folders 755), so the manifest records that, whatever the
 * build left.
 */
export function installedMode(type: 'f' | 'd', mode: number): string {
  return type === 'd' || (mode & 0o111) !== 0 ? '755' : '644';
}

/** Why a path cannot be listed (the manifest and sha256sum read one line per file), if it cannot. */
export function unlistable(path: string): string | undefined {
  if (/[\t\n\r\\]/.test(path)) return 'a tab, newline or backslash';
  if (path === MANIFEST_NAME || path === DELTA_NAME) return 'a name notesctl keeps for itself';
  return undefined;
}

/** The manifest as text (the format scripts.ts's install script reads). */
export function formatManifest(manifest: Manifest): string {
  return [MANIFEST_HEADER, ...manifest.map(manifestLine), ''].join('\n');
}

/** One entry's line. */
function manifestLine(e: ManifestEntry): string {
  if (e.type === 'f') return `f\t${e.mode}\t${e.size}\t${e.sha256}\t${e.path}`;
  if (e.type === 'd') return `d\t${e.mode}\t-\t-\t${e.path}`;
  return `l\t-\t-\t${e.target}\t${e.path}`;
}

/** Parse formatManifest()'s text; undefined when it is not one (unknown version, damaged). */
export function parseManifest(text: string): Manifest | undefined {
  const lines = text.split('\n');
  if (lines[0] !== MANIFEST_HEADER) return undefined;
  const manifest: Manifest = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const [type, mode = '', size = '', digest = '', path = '', ...rest] = line.split('\t');
    if (rest.length > 0 || path === '') return undefined;
    if (
      type === 'f' &&
      /^[0-7]{3}$/.test(mode) &&
      /^\d+$/.test(size) &&
      /^[0-9a-f]{64}$/.test(digest)
    )
      manifest.push({ type, path, mode, size: Number(size), sha256: digest });
    else if (type === 'd' && /^[0-7]{3}$/.test(mode)) manifest.push({ type, path, mode });
    else if (type === 'l') manifest.push({ type, path, target: digest });
    else return undefined;
  }
  return manifest;
}

/** What a deploy sends, and what the server takes from the release it has (the base). */
export interface Delta {
  /** Files to send (their content is in no base file of the same mode). */
  send: (ManifestEntry & { type: 'f' })[];
  /** Files the base has at the same path, same content and mode (the server links them). */
  same: string[];
  /** Files whose content and mode the base has at another path: [base path, new path]. */
  moved: [string, string][];
}

/** The delta from `base` to `next` (no base: every file is sent). */
export function planDelta(next: Manifest, base: Manifest | undefined): Delta {
  const byPath = new Map<string, ManifestEntry>();
  const byContent = new Map<string, string>();
  for (const e of base ?? []) {
    byPath.set(e.path, e);
    if (e.type === 'f' && !byContent.has(`${e.sha256} ${e.mode}`))
      byContent.set(`${e.sha256} ${e.mode}`, e.path);
  }
  const delta: Delta = { send: [], same: [], moved: [] };
  for (const e of next) {
    if (e.type !== 'f') continue;
    const there = byPath.get(e.path);
    if (there?.type === 'f' && there.sha256 === e.sha256 && there.mode === e.mode) {
      delta.same.push(e.path);
      continue;
    }
    const elsewhere = byContent.get(`${e.sha256} ${e.mode}`);
    if (elsewhere !== undefined) delta.moved.push([elsewhere, e.path]);
    else delta.send.push(e);
  }
  return delta;
}

/**
 * The delta's list for the install script (`.notesctl-delta`): the base; the sha256 of the new
 * manifest, which the server rebuilds from the base's (its lines without the `-` paths, plus the
 * `+` lines, sorted by path) instead of receiving it whole; the files whose content the base
 * has at another path. Files the base has at the same path are found there by comparing the
 * two manifests.
 */
export function formatDelta(
  base: { id: string; manifest: Manifest },
  next: Manifest,
  delta: Delta,
  digest: string,
): string {
  const had = new Set(base.manifest.map(manifestLine));
  const has = new Set(next.map(manifestLine));
  return [
    `base\t${base.id}`,
    `manifest\t${digest}`,
    ...delta.moved.map(([from, to]) => `moved\t${from}\t${to}`),
    ...base.manifest.filter((e) => !has.has(manifestLine(e))).map((e) => `-\t${e.path}`),
    ...next.filter((e) => !had.has(manifestLine(e))).map((e) => `+\t${manifestLine(e)}`),
    '',
  ].join('\n');
}

/** Files and bytes of a manifest's regular files. */
export function manifestSize(entries: ManifestEntry[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of entries) {
    if (e.type !== 'f') continue;
    files++;
    bytes += e.size;
  }
  return { files, bytes };
}
