/**
 * The pure parts of Node's release folder (https://nodejs.org/dist, or a mirror with its
 * layout): `index.json`, the list of releases with the builds each has, and
 * `vX.Y.Z/SHASUMS256.txt`, one `<sha256>  <file>` line per file of a release.
 */

/** One release as index.json lists it (only what notesctl reads). */
export interface IndexedRelease {
  /** `v24.11.1`. */
  version: string;
  /** Builds of the release: `linux-x64`, `linux-arm64`, `osx-arm64-tar`, … */
  files: string[];
}

/** Parse index.json; throws with what is wrong when it is not the list nodejs.org publishes. */
export function parseIndex(text: string): IndexedRelease[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('index.json is not a list of releases');
  return parsed.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { version, files } = entry as { version?: unknown; files?: unknown };
    if (typeof version !== 'string' || !Array.isArray(files)) return [];
    return [{ version, files: files.filter((f): f is string => typeof f === 'string') }];
  });
}

/** Compare two `X.Y.Z` versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest release of `major` with a Linux build for `arch` (`24.11.1`), if any. */
export function newestInIndex(
  releases: IndexedRelease[],
  major: number,
  arch: string,
): string | undefined {
  return releases
    .filter((r) => r.files.includes(`linux-${arch}`))
    .map((r) => r.version.replace(/^v/, ''))
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v) && Number(v.split('.')[0]) === major)
    .sort(compareVersions)
    .at(-1);
}

/** SHASUMS256.txt → file name → sha256 (hex, lower case); lines of another shape are skipped. */
export function parseShasums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    // `sha256sum` writes two spaces, or a space and `*` for binary mode.
    const match = /^([0-9a-fA-F]{64}) [ *](\S+)\s*$/.exec(line);
    if (match?.[1] && match[2]) sums.set(match[2].replace(/^\.\//, ''), match[1].toLowerCase());
  }
  return sums;
}

/** The Node.js name (`x64`, `arm64`, …) of what `uname -m` printed, if Node builds for it. */
export function nodeArch(machine: string): string | undefined {
  const arches: Record<string, string> = {
    x86_64: 'x64',
    amd64: 'x64',
    aarch64: 'arm64',
    arm64: 'arm64',
    armv7l: 'armv7l',
    ppc64le: 'ppc64le',
    s390x: 's390x',
  };
  return arches[machine];
}
