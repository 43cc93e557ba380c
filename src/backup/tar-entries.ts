/**
 * What a volume backup's tar holds (issue 23, volume restore): its entries counted from the
 * headers — files, folders, links, bytes of file content — and every name checked to lie under
 * the volume's folder (`volume/…`, as the backup wrote it, no `..`), before a restore extracts
 * it into a volume. Plain ustar headers, PAX `path` records and GNU long names (`L`) are read;
 * nothing is extracted here.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/** What an archive holds. */
export interface TarSummary {
  files: number;
  folders: number;
  /** Symbolic and hard links, devices, FIFOs. */
  others: number;
  /** Bytes of file content. */
  bytes: number;
}

const BLOCK = 512;

/** A header's numeric field: octal text, or base-256 when its first bit is set (large sizes). */
function numberAt(header: Buffer, offset: number, length: number): number {
  const field = header.subarray(offset, offset + length);
  if ((field[0] ?? 0) & 0x80) {
    let value = (field[0] ?? 0) & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function textAt(header: Buffer, offset: number, length: number): string {
  return header
    .subarray(offset, offset + length)
    .toString('utf8')
    .replace(/\0.*$/s, '');
}

/** The `path` of a PAX extended header's records (`LEN path=VALUE\n`…), if it has one. */
function paxPath(records: string): string | undefined {
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records)?.[1];
}

/** True when `name` lies under `root/` (or is it) and never climbs out. */
export function isUnder(root: string, name: string): boolean {
  const parts = name.replace(/\/+$/, '').split('/');
  return parts[0] === root && !parts.includes('..') && !name.startsWith('/');
}

/**
 * Count the entries of the gzip'd tar `file`, refusing one whose names leave `root/`. Rejects
 * naming the first bad entry.
 */
export async function summarizeTar(file: string, root: string): Promise<TarSummary> {
  const summary: TarSummary = { files: 0, folders: 0, others: 0, bytes: 0 };
  let pending = Buffer.alloc(0);
  /** Bytes of the current entry's data (and padding) still to skip, or to read as a name. */
  let skip = 0;
  let collect: { type: string; bytes: Buffer[]; left: number } | undefined;
  let longName: string | undefined;
  const header = (block: Buffer): void => {
    if (block.every((b) => b === 0)) return;
    const type = String.fromCharCode(block[156] ?? 0);
    const size = numberAt(block, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'L') {
      collect = { type, bytes: [], left: size };
      skip = padded - size;
      return;
    }
    if (type === 'g') {
      skip = padded;
      return;
    }
    const prefix = textAt(block, 345, 155);
    const name =
      longName ?? (prefix ? `${prefix}/${textAt(block, 0, 100)}` : textAt(block, 0, 100));
    longName = undefined;
    if (!isUnder(root, name)) {
      throw new Error(`the archive holds ${JSON.stringify(name)}, outside ${root}/`);
    }
    if (type === '0' || type === '\0' || type === '7') {
      summary.files += 1;
      summary.bytes += size;
    } else if (type === '5') summary.folders += 1;
    else summary.others += 1;
    skip = padded;
  };
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        pending = Buffer.concat([pending, chunk]);
        for (;;) {
          if (collect && collect.left > 0) {
            const take = Math.min(collect.left, pending.length);
            if (take === 0) break;
            collect.bytes.push(pending.subarray(0, take));
            collect.left -= take;
            pending = pending.subarray(take);
            if (collect.left > 0) break;
            const text = Buffer.concat(collect.bytes).toString('utf8');
            longName = collect.type === 'L' ? text.replace(/\0.*$/s, '') : paxPath(text);
            collect = undefined;
          }
          if (skip > 0) {
            const take = Math.min(skip, pending.length);
            skip -= take;
            pending = pending.subarray(take);
            if (skip > 0) break;
          }
          if (pending.length < BLOCK) break;
          const block = pending.subarray(0, BLOCK);
          pending = pending.subarray(BLOCK);
          header(block);
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  await pipeline(createReadStream(file), createGunzip(), sink);
  return summary;
}
