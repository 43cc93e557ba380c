/**
 * The engine calls that stream through dockerode: exec, build, pull, load. DockerEngine loads
 * this module with dockerode, on first use, and wraps each call's errors once.
 */
import type Docker from 'dockerode';
import { PassThrough, Readable } from 'node:stream';
import type { BuildOptions, ExecOptions, ProgressLine } from './engine.ts';
import { extract } from 'tar-stream';
import { followProgress, pumpExec, toProgress } from './docker-streams.ts';

/** Run a command in a container, pumping its output to the caller's streams; its exit code. */
export async function execIn(docker: Docker, id: string, options: ExecOptions): Promise<number> {
  const exec = await docker.getContainer(id).exec({
    Cmd: options.cmd,
    User: options.user ?? '',
    Env: options.env ?? [],
    Tty: options.tty ?? false,
    AttachStdin: options.stdin !== undefined,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({
    hijack: true,
    stdin: options.stdin !== undefined,
    Tty: options.tty ?? false,
  });
  const done = pumpExec(stream, options);
  if (options.stdin) {
    options.stdin.pipe(stream, { end: false });
    options.stdin.on('end', () => (stream as unknown as { end(): void }).end());
  }
  await done;
  const info = await exec.inspect();
  return info.ExitCode ?? 1;
}

/** Build an image from a context tar, streaming its output; the new image's ID. */
export async function buildFrom(
  docker: Docker,
  context: Readable,
  options: BuildOptions,
): Promise<string> {
  const stream = await docker.buildImage(context, {
    t: options.tag,
    dockerfile: options.dockerfile,
    buildargs: options.args,
    labels: options.labels,
    nocache: options.noCache,
    rm: true,
    forcerm: true,
    ...(options.target ? { target: options.target } : {}),
  });
  let imageId: string | undefined;
  await followProgress(docker.modem, stream, (event) => {
    const aux = event.aux as { ID?: string } | undefined;
    if (aux?.ID) imageId = aux.ID;
    if (typeof event.stream === 'string') {
      for (const line of event.stream.split('\n'))
        if (line.trim() !== '') options.onProgress?.({ text: line });
    }
  });
  if (imageId) return imageId;
  const image = await docker.getImage(options.tag).inspect();
  return image.Id;
}

/** Pull an image, reporting its progress. */
export async function pullInto(
  docker: Docker,
  ref: string,
  onProgress?: (line: ProgressLine) => void,
): Promise<void> {
  const stream = await docker.pull(ref);
  await followProgress(docker.modem, stream, (event) => onProgress?.(toProgress(event)));
}

/** Load images from a `docker save` tar stream, reporting its progress. */
export async function loadInto(
  docker: Docker,
  tar: Readable,
  onProgress?: (line: ProgressLine) => void,
): Promise<void> {
  const body = new PassThrough();
  tar.pipe(body);
  const stream = await docker.loadImage(body, { quiet: false });
  await followProgress(docker.modem, stream, (event) => onProgress?.(toProgress(event)));
}

/** The content of one file in a container (GET archive: it changes nothing); undefined if absent. */
export async function readFileIn(
  docker: Docker,
  id: string,
  path: string,
): Promise<Buffer | undefined> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await docker.getContainer(id).getArchive({ path });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
  // A static import: the bundle's lazily loaded tar-stream chunk exports only `default`, so a
  // destructured dynamic import found no `extract` in the built CLI.
  const files = extract();
  const chunks: Buffer[] = [];
  files.on('entry', (header, stream, next) => {
    if (header.type === 'file') stream.on('data', (chunk) => chunks.push(chunk as Buffer));
    stream.on('end', next);
    stream.resume();
  });
  const done = new Promise<void>((resolve, reject) => {
    files.on('finish', resolve);
    files.on('error', reject);
  });
  archive.pipe(files);
  try {
    await done;
  } finally {
    // An archive not read to its end keeps its socket, and the CLI, open.
    (archive as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
  return Buffer.concat(chunks);
}

/** A `docker save` tar stream of `refs`. */
export async function saveFrom(docker: Docker, refs: string[]): Promise<Readable> {
  const images = docker as unknown as { getImages(o: object): Promise<NodeJS.ReadableStream> };
  return (await images.getImages({ names: refs })) as unknown as Readable;
}

/** A tar stream of `path` in a container (GET archive: it changes nothing). */
export async function archiveOf(docker: Docker, id: string, path: string): Promise<Readable> {
  return (await docker.getContainer(id).getArchive({ path })) as unknown as Readable;
}

/** Extract the tar stream `tar` at `path` in a container (PUT archive; its volumes included). */
export async function putArchiveInto(
  docker: Docker,
  id: string,
  path: string,
  tar: Readable,
): Promise<void> {
  const container = docker.getContainer(id) as unknown as {
    putArchive(file: Readable, options: { path: string }): Promise<unknown>;
  };
  const answer = await container.putArchive(tar, { path });
  // dockerode may answer with the response stream: read it to its end.
  if (answer instanceof Readable) answer.resume();
}
