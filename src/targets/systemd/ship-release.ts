/**
 * What a plain server is sent for a release (issue 21): the manifest of the release it has
 * (`current`, else the newest with one) is read over the host's SSH connection in one small
 * read (only its sha256 when this machine kept the same manifest), and only the files whose
 * content it lacks travel, with the lines that make the new manifest of the old one; the install
 * script (scripts.ts) links the rest from that release and checks every file. A first deploy,
 * or a server whose releases have no readable manifest, gets the whole release.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { Shell } from '../../engine/shell.ts';
import type { HostInput } from '../../plan/types.ts';
import type { ReleaseShipment } from '../target.ts';
import { keptManifests, packRelease, releaseManifest, type ReleaseRef } from './release.ts';
import { formatBytes } from '../../output/bytes.ts';
import {
  formatManifest,
  manifestSize,
  parseManifest,
  planDelta,
  type Manifest,
} from './manifest.ts';
import { wholeRelease, writeDelta } from './release-files.ts';
import { readBaseManifestScript } from './scripts.ts';

/** The sha256 of a manifest's text, as the server computes it of its file. */
export function manifestDigest(manifest: Manifest): string {
  return createHash('sha256').update(formatManifest(manifest)).digest('hex');
}

/**
 * The server's release to send a delta against, and its manifest (undefined: none usable). The
 * manifests in `known` (release id → manifest, kept on this machine) are not read again when
 * the server's has the same sha256.
 */
export async function readBase(
  shell: Shell,
  project: string,
  ref: { service: string; id: string },
  known: Map<string, Manifest>,
): Promise<{ id: string; manifest: Manifest } | undefined> {
  const digests = new Map([...known].map(([id, m]) => [id, manifestDigest(m)]));
  const result = await shell.run(readBaseManifestScript(project, ref.service, ref.id, digests));
  const [first = '', encoded = ''] = result.stdout.split('\n');
  const [, base, digest] = /^base (\S+) ([0-9a-f]{64})$/.exec(first) ?? [];
  if (result.code !== 0 || base === undefined) return undefined;
  const held = known.get(base);
  if (held && digests.get(base) === digest) return { id: base, manifest: held };
  try {
    const manifest = parseManifest(gunzipSync(Buffer.from(encoded, 'base64')).toString('utf8'));
    return manifest ? { id: base, manifest } : undefined;
  } catch {
    return undefined;
  }
}

/** What the ship step says it did: the files sent, of how many ("3 files, 41.0 KiB (of …)"). */
export function describeShipment(s: ReleaseShipment): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const of = `${count(s.filesTotal)} files, ${formatBytes(s.bytesTotal)}`;
  return s.base === undefined
    ? `the whole release, ${of}; ${formatBytes(s.wireBytes)} sent`
    : `${count(s.filesSent)} files, ${formatBytes(s.bytesSent)} (of ${of}; the rest linked from release ${s.base}); ${formatBytes(s.wireBytes)} sent`;
}

/**
 * The stdin of the ship step of release `id` of `service` (packed as `archive`, listed by
 * `manifest`), and what it sends. A delta is written to a temporary file first (a damaged local
 * archive fails here, before anything is sent), removed once read.
 */
export async function releaseInput(
  shell: Shell,
  project: string,
  ref: { service: string; id: string; archive: string; manifest: Manifest },
  known = new Map<string, Manifest>(),
): Promise<{ data: Readable; shipment: ReleaseShipment }> {
  const whole = manifestSize(ref.manifest);
  const title = `release ${ref.id} of ${ref.service}`;
  const base = await readBase(shell, project, ref, known);
  if (!base) {
    const { data, bytes: wireBytes } = await wholeRelease(ref.archive, ref.manifest);
    return {
      data,
      shipment: {
        ref: title,
        base: undefined,
        filesTotal: whole.files,
        filesSent: whole.files,
        bytesTotal: whole.bytes,
        bytesSent: whole.bytes,
        wireBytes,
      },
    };
  }
  const delta = planDelta(ref.manifest, base.manifest);
  const dir = await mkdtemp(join(tmpdir(), `notesctl-delta-${ref.service}-`));
  try {
    const file = join(dir, `${ref.id}.tar.gz`);
    const wireBytes = await writeDelta(ref.archive, ref.manifest, base, delta, file);
    const sent = manifestSize(delta.send);
    const data = createReadStream(file);
    data.on('close', () => void rm(dir, { recursive: true, force: true }));
    return {
      data,
      shipment: {
        ref: title,
        base: base.id,
        filesTotal: whole.files,
        filesSent: sent.files,
        bytesTotal: whole.bytes,
        bytesSent: sent.bytes,
        wireBytes,
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The releases one plan ships over a host's shell, and what each sent. */
export class ReleaseShipments {
  /** One entry per release shipped, in the order shipped (`up --json`'s `shipped`). */
  readonly sent: ReleaseShipment[] = [];
  private readonly shell: Shell;
  private readonly project: string;

  constructor(shell: Shell, project: string) {
    this.shell = shell;
    this.project = project;
  }

  /** The ship step's stdin for `ref` (packed first if it is not yet). */
  async input(ref: ReleaseRef | undefined, major: number): Promise<Readable> {
    if (!ref) throw new Error('bug: a release step without its release');
    const archive = await packRelease(ref, major);
    const manifest = await releaseManifest(ref);
    const { service, id } = ref;
    const known = await keptManifests(ref);
    const input = { service, id, archive, manifest };
    const shipped = await releaseInput(this.shell, this.project, input, known);
    this.sent.push(shipped.shipment);
    return shipped.data;
  }

  /** What the step fed `input` sent, for its done line (undefined for other inputs). */
  said(input: HostInput): string | undefined {
    if (input.kind !== 'release') return undefined;
    const ref = `release ${input.id} of ${input.service}`;
    const shipment = this.sent.find((s) => s.ref === ref);
    return shipment && describeShipment(shipment);
  }
}
