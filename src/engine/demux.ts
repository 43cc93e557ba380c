/**
 * Docker's multiplexed stream format (non-TTY logs and exec output): 8-byte frame headers
 * [stream, 0, 0, 0, size(4, big-endian)] followed by `size` bytes. Split into lines per stream.
 */
import type { LogLine } from './engine.ts';

/** Yield demultiplexed chunks from a raw attach/logs stream. */
export async function* demuxFrames(
  source: AsyncIterable<Buffer> | Iterable<Buffer>,
): AsyncGenerator<{ stream: 'stdout' | 'stderr'; data: Buffer }> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (buffer.length >= 8) {
      const type = buffer[0];
      if (type !== 0 && type !== 1 && type !== 2) {
        // Not multiplexed (a TTY container): pass everything through as stdout.
        yield { stream: 'stdout', data: buffer };
        buffer = Buffer.alloc(0);
        break;
      }
      const size = buffer.readUInt32BE(4);
      if (buffer.length < 8 + size) break;
      yield { stream: type === 2 ? 'stderr' : 'stdout', data: buffer.subarray(8, 8 + size) };
      buffer = buffer.subarray(8 + size);
    }
  }
  if (buffer.length > 0) yield { stream: 'stdout', data: buffer };
}

/** Turn demultiplexed chunks into complete lines, per stream (a line may span frames). */
export async function* splitLines(
  frames: AsyncIterable<{ stream: 'stdout' | 'stderr'; data: Buffer }>,
): AsyncGenerator<LogLine> {
  const pending = { stdout: '', stderr: '' };
  for await (const frame of frames) {
    const text = pending[frame.stream] + frame.data.toString('utf8');
    const lines = text.split('\n');
    pending[frame.stream] = lines.pop() ?? '';
    for (const line of lines) yield { stream: frame.stream, text: line.replace(/\r$/, '') };
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    if (pending[stream] !== '') yield { stream, text: pending[stream] };
  }
}
