// What the uncased transformer cannot see: each word's casing and character classes, fed to the heads
// beside its contextual state. The same flags as the CNN model's, with "known" meaning the word is one
// whole piece of the transformer's vocabulary.
import { SHAPE_FLAGS, shapeFlags } from '../model/features';
import type { PieceTokenizer } from './pieceTokenizer';

export const WORD_FLAGS = SHAPE_FLAGS;

/** Flags of a sentence's words, [T, WORD_FLAGS], written at out[offset..). */
export function wordFlags(tokenizer: PieceTokenizer, words: readonly string[], out = new Float32Array(words.length * WORD_FLAGS), offset = 0): Float32Array {
  words.forEach((word, t) => shapeFlags(word, tokenizer.isWholeWord(word), t === 0, out, offset + t * WORD_FLAGS));
  return out;
}
