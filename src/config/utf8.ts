/**
 * Strict UTF-8 decoding that says where the first bad byte is: TextDecoder's fatal mode only
 * says "invalid", and users need a line and column to find a stray Latin-1 byte.
 */
import type { Position } from './locate.ts';

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function findInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte → sequence length and the allowed range of the second byte (RFC 3629 table:
    // rejects overlong forms, surrogates and code points above U+10FFFF).
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const [min, max] = k === 1 ? [low, high] : [0x80, 0xbf];
      if (c < min || c > max) return i;
    }
    i += length;
  }
  return -1;
}

/** Line and column (in characters) of a byte offset, counting only the valid bytes before it. */
export function positionOfByte(bytes: Uint8Array, offset: number): Position {
  let lineStart = 0;
  let line = 1;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  const prefix = new TextDecoder().decode(bytes.subarray(lineStart, offset));
  return { line, column: prefix.length + 1 };
}

/** Decode UTF-8, or return the position and value of the first invalid byte. */
export function decodeUtf8(
  bytes: Uint8Array,
): { text: string } | { offset: number; byte: number; position: Position } {
  const offset = findInvalidUtf8(bytes);
  if (offset === -1) return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  return { offset, byte: bytes[offset] ?? 0, position: positionOfByte(bytes, offset) };
}
