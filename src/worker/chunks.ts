// Splits a long text into pieces at paragraph or line breaks, so one request can report progress and be cancelled.

export interface TextChunk {
  /** Character offset of the chunk in the whole text. */
  offset: number;
  text: string;
}

/** Chunks of at most about `size` characters, cut at a blank line, else a line break, else whitespace. */
export function splitIntoChunks(text: string, size: number): TextChunk[] {
  const chunks: TextChunk[] = [];
  let start = 0;
  while (text.length - start > size) {
    const limit = start + size;
    const window = text.slice(start + Math.floor(size / 2), limit);
    const base = start + Math.floor(size / 2);
    let cut = -1;
    for (const pattern of [/\n[ \t]*\n/g, /\n/g, /\s/g]) {
      let last = -1;
      for (const m of window.matchAll(pattern)) last = m.index + m[0].length;
      if (last > 0) {
        cut = base + last;
        break;
      }
    }
    if (cut < 0) cut = limit;
    chunks.push({ offset: start, text: text.slice(start, cut) });
    start = cut;
  }
  chunks.push({ offset: start, text: text.slice(start) });
  return chunks;
}
