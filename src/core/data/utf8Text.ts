// Decoding a user's file as text, refusing what is not text instead of guessing: a NUL byte (a binary
// file) or bytes that are not UTF-8 (Node would quietly turn them into U+FFFD). Errors give positions,
// never the bytes themselves, so nothing from the file reaches the terminal.
import { isUtf8 } from 'node:buffer';

export class TextEncodingError extends Error {
  constructor(
    readonly fileName: string,
    /** Offset of the offending byte in the file. */
    readonly byteOffset: number,
    problem: string,
  ) {
    super(`${fileName}: ${problem}`);
    this.name = 'TextEncodingError';
  }
}

/** The file's text (a leading byte order mark kept, as readFile keeps it), or a TextEncodingError. */
export function decodeUtf8Text(bytes: Uint8Array, fileName: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new TextEncodingError(fileName, nul, `looks like a binary file, not text (a NUL byte at byte offset ${nul}, ${where(bytes, nul)})`);
  }
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    throw new TextEncodingError(fileName, bad, `is not UTF-8 text (an invalid byte sequence at byte offset ${bad}, ${where(bytes, bad)})`);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** "line L, byte B of that line" (1-based), for a message a person can follow. */
function where(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, byte ${offset - lineStart + 1} of that line`;
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 sequence (-1: none). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    // Lead byte: how many continuation bytes follow, and the allowed range of the first one (no overlong
    // forms, no surrogates U+D800-DFFF, nothing above U+10FFFF), as the Unicode standard's table 3-7 says.
    let count: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) count = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      count = 2;
      if (b === 0xe0) low = 0xa0;
      if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      count = 3;
      if (b === 0xf0) low = 0x90;
      if (b === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= count; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      if (k === 1 ? c < low || c > high : c < 0x80 || c > 0xbf) return i;
    }
    i += count + 1;
  }
  return -1;
}
