/**
 * Stream plumbing for the dockerode engine: tar archives of files to copy in, exec output
 * demultiplexing, and the JSON progress streams of builds, pulls and loads.
 */
import type Docker from 'dockerode';
import { pack as tarPack } from 'tar-stream';
import { demuxFrames } from './demux.ts';
import type { Writable } from 'node:stream';
import type { ExecOptions, ProgressLine } from './engine.ts';

/** A tar archive holding `files` in `directory` (the directory entry included). */
export async function filesTar(
  directory: string,
  files: { name: string; content: Buffer; mode: number; uid: number; gid: number }[],
): Promise<Buffer> {
  const archive = tarPack();
  const dirName = directory.replace(/^\/+/, '');
  // The directory entry makes /run/secrets exist with safe permissions even in a fresh image.
  archive.entry({ name: `${dirName}/`, type: 'directory', mode: 0o755, uid: 0, gid: 0 });
  for (const file of files) {
    archive.entry(
      { name: `${dirName}/${file.name}`, mode: file.mode, uid: file.uid, gid: file.gid },
      file.content,
    );
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Copy an exec's output to the caller's streams (demultiplexed unless it has a TTY). */
export async function pumpExec(stream: NodeJS.ReadableStream, options: ExecOptions): Promise<void> {
  const onAbort = () => (stream as unknown as { destroy(): void }).destroy();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.tty) {
      for await (const chunk of stream as AsyncIterable<Buffer>) await write(options.stdout, chunk);
      return;
    }
    for await (const frame of demuxFrames(stream as AsyncIterable<Buffer>)) {
      await write(frame.stream === 'stderr' ? options.stderr : options.stdout, frame.data);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Write and, when the target's buffer is full, wait for it to drain: a large output (a database
 * dump into a file) is then read from the engine no faster than it is written.
 */
async function write(target: Writable | undefined, chunk: Buffer): Promise<void> {
  if (!target || target.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
  });
}

/** Follow a JSON progress stream to its end; rejects on an error event. */
export function followProgress(
  modem: { followProgress: Docker['modem']['followProgress'] },
  stream: NodeJS.ReadableStream,
  onEvent: (event: Record<string, unknown>) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    modem.followProgress(
      stream,
      (error: Error | null, output: Record<string, unknown>[]) => {
        if (error) return reject(error);
        const failed = output.find((e) => e.error !== undefined || e.errorDetail !== undefined);
        if (failed) {
          const detail = failed.errorDetail as { message?: string } | undefined;
          return reject(new Error(detail?.message ?? String(failed.error)));
        }
        resolve();
      },
      onEvent,
    );
  });
}

/** A build/pull/load progress event as a ProgressLine. */
export function toProgress(event: Record<string, unknown>): ProgressLine {
  const detail = event.progressDetail as { current?: number; total?: number } | undefined;
  return {
    text: [event.status, event.progress, event.stream]
      .filter((v) => typeof v === 'string')
      .join(' ')
      .trim(),
    id: typeof event.id === 'string' ? event.id : undefined,
    current: detail?.current,
    total: detail?.total,
  };
}
