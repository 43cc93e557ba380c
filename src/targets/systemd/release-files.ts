/**
 * A packed release's files (issue 21): its manifest, read from the archive itself (so a release
 * packed before manifests existed gets one too), and the archives a deploy sends — the files the
 * server lacks with the manifest and the list of files to take from its release (a delta), or
 * the whole archive after the manifest (a first deploy, or a server whose release has none).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import { extract, pack, type Header } from 'tar-stream';
import { RuntimeError } from '../../errors.ts';
import {
  byteOrder,
  DELTA_NAME,
  formatDelta,
  formatManifest,
  installedMode,
  MANIFEST_NAME,
  unlistable,
  type Delta,
  type Manifest,
} from './manifest.ts';

/** An archive member's path as the manifest lists it (`./dist/a.js` → `dist/a.js`; root: ''). */
function memberPath(name: string): string {
  return name.replace(/^\.\//, '').replace(/\/$/, '').replace(/^\.$/, '');
}

/** Visit every member of the .tar.gz `file`; `visit` resolves once it has read the member's data. */
async function eachMember(
  file: string,
  visit: (header: Header, path: string, data: () => Promise<Buffer>) => Promise<void>,
): Promise<void> {
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    let read: Promise<Buffer> | undefined;
    const data = () =>
      (read ??= new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => chunks.push(c as Buffer));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', reject);
      }));
    visit(header, memberPath(header.name), data).then(
      async () => {
        if (!read) stream.resume();
        await read;
        next();
      },
      (error: unknown) => ex.destroy(error as Error),
    );
  });
  await pipeline(createReadStream(file), createGunzip(), ex);
}

/** The manifest of the packed release `file` (`what` names it in errors). */
export async function manifestOfArchive(file: string, what: string): Promise<Manifest> {
  const manifest: Manifest = [];
  await eachMember(file, async (header, path, data) => {
    if (path === '') return;
    const why = unlistable(path);
    if (why) throw new RuntimeError(`${what}: the file name ${JSON.stringify(path)} has ${why}`);
    if (header.type === 'directory')
      manifest.push({ type: 'd', path, mode: installedMode('d', 0) });
    else if (header.type === 'symlink') {
      const target = header.linkname;
      if (/[\t\n\r\\]/.test(target))
        throw new RuntimeError(`${what}: the link ${path} points to a name with a tab or newline`);
      manifest.push({ type: 'l', path, target });
    } else if (header.type === 'file') {
      const content = await data();
      const sha256 = createHash('sha256').update(content).digest('hex');
      const mode = installedMode('f', header.mode);
      manifest.push({ type: 'f', path, mode, size: content.length, sha256 });
    } else
      throw new RuntimeError(
        `${what}: ${path} is a ${header.type} of a kind a release cannot hold`,
      );
  });
  return manifest.sort(byteOrder);
}

/**
 * The whole release: the manifest as a first gzip member, then the packed archive as it is
 * (a second member; the install script reads both with tar's --ignore-zeros). Resolves to the
 * stream and its length.
 */
export async function wholeRelease(
  file: string,
  manifest: Manifest,
): Promise<{ data: Readable; bytes: number }> {
  const head = await textOf(MANIFEST_NAME, formatManifest(manifest));
  const bytes = head.length + (await stat(file)).size;
  const data = Readable.from(
    (async function* () {
      yield head;
      yield* createReadStream(file);
    })(),
    { objectMode: false },
  );
  return { data, bytes };
}

/** A .tar.gz holding one file, `name`, with `content`. */
async function textOf(name: string, content: string): Promise<Buffer> {
  const archive = pack();
  archive.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

/**
 * Write to `out` a .tar.gz of the delta's list (`.notesctl-delta`: the base, the new manifest's
 * digest and how to rebuild it from the base's, the files to take from another path), every
 * symlink, and the files of `delta.send`, read from the packed release `file`. Folders are made
 * from the manifest. Resolves to the bytes written.
 */
export async function writeDelta(
  file: string,
  manifest: Manifest,
  base: { id: string; manifest: Manifest },
  delta: Delta,
  out: string,
): Promise<number> {
  const archive = pack();
  let bytes = 0;
  const counted = createGzip();
  counted.on('data', (c: Buffer) => (bytes += c.length));
  const written = pipeline(archive, counted, createWriteStream(out, { mode: 0o600 }));
  const header = (
    name: string,
    more: { type?: 'symlink'; linkname?: string; mode?: number },
  ): Parameters<typeof archive.entry>[0] => ({
    name,
    size: 0,
    mode: 0o644,
    mtime: new Date(0),
    uid: 0,
    gid: 0,
    ...more,
  });
  const add = (h: Parameters<typeof archive.entry>[0], content?: Buffer | string) =>
    new Promise<void>((resolve, reject) =>
      archive.entry(h, content ?? '', (error) => (error ? reject(error) : resolve())),
    );
  const digest = createHash('sha256').update(formatManifest(manifest)).digest('hex');
  await add(header(DELTA_NAME, {}), formatDelta(base, manifest, delta, digest));
  const send = new Set(delta.send.map((e) => e.path));
  await eachMember(file, async (h, path, data) => {
    if (path === '') return;
    if (h.type === 'symlink')
      await add(header(path, { type: 'symlink', linkname: h.linkname, mode: 0o777 }));
    else if (h.type === 'file' && send.has(path))
      await add(header(path, { mode: h.mode }), await data());
  });
  archive.finalize();
  await written;
  return bytes;
}
