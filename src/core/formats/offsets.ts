// Character offsets of one text in the unit a file counts in. BANER counts UTF-16 code units (JavaScript string
// indices); the Python tools (spaCy, Prodigy, doccano's server) count code points (Python string indices). The two
// differ only after a character outside the Basic Multilingual Plane (most emoji, rare CJK): 😀 is two code units
// and one code point.

export type OffsetUnit = 'codepoints' | 'utf16';

export const OFFSET_UNITS: readonly OffsetUnit[] = ['codepoints', 'utf16'];

const SURROGATE = /[\uD800-\uDFFF]/;

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Whether `offset` falls between the two halves of a surrogate pair of `text` (UTF-16 offsets). */
export function splitsSurrogatePair(text: string, offset: number): boolean {
  return offset > 0 && offset < text.length && isHighSurrogate(text.charCodeAt(offset - 1)) && isLowSurrogate(text.charCodeAt(offset));
}

/** Offsets of one text, converted between UTF-16 code units and the unit of a file. */
export class TextOffsets {
  /** UTF-16 offset of each code point offset, when the text has a surrogate pair and the file counts code points. */
  private readonly utf16OfCodePoint?: number[];
  /** Code point offset of each UTF-16 offset (inside a pair: that of the pair's start), in the same case. */
  private readonly codePointOfUtf16?: number[];

  constructor(
    readonly text: string,
    readonly unit: OffsetUnit,
  ) {
    if (unit === 'utf16' || !SURROGATE.test(text)) return;
    this.utf16OfCodePoint = [];
    this.codePointOfUtf16 = [];
    let codePoints = 0;
    for (let i = 0; i < text.length; i++) {
      const pairStart = isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1));
      this.utf16OfCodePoint.push(i);
      this.codePointOfUtf16.push(codePoints);
      if (pairStart) {
        this.codePointOfUtf16.push(codePoints);
        i++;
      }
      codePoints++;
    }
    this.utf16OfCodePoint.push(text.length);
    this.codePointOfUtf16.push(codePoints);
  }

  /** Length of the text in the file's unit. */
  get length(): number {
    return this.utf16OfCodePoint ? this.utf16OfCodePoint.length - 1 : this.text.length;
  }

  /** The UTF-16 offset of a file offset, or why there is none (outside the text; between two halves of a pair). */
  toUtf16(offset: number): number | string {
    if (!Number.isInteger(offset) || offset < 0 || offset > this.length) return `outside the text (length ${this.length})`;
    if (this.utf16OfCodePoint) return this.utf16OfCodePoint[offset];
    if (splitsSurrogatePair(this.text, offset)) return 'inside a character (between the two halves of a UTF-16 surrogate pair)';
    return offset;
  }

  /** The file offset of a UTF-16 offset (one that does not split a pair). */
  fromUtf16(offset: number): number {
    return this.codePointOfUtf16 ? this.codePointOfUtf16[offset] : offset;
  }
}
