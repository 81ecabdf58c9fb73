// Word tokens -> the transformer's sub-word pieces, with every piece tied to the word it came from.
// The model's own tokenizer.json runs through @huggingface/tokenizers (pure JS, no download); each word is
// encoded on its own, so a piece can never straddle two words and the word <-> piece map is exact by
// construction. Words the tokenizer drops entirely (control or zero-width characters) become [UNK], and a
// word's pieces are capped so one long string (a URL, a hash) cannot fill a whole window.
import { readFileSync } from 'node:fs';
import type { Tokenizer as TokenizerType } from '@huggingface/tokenizers' with { 'resolution-mode': 'import' };

// The package is an ES module with a CommonJS build beside it; this project compiles to CommonJS, so it is
// required at run time and only its types are imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tokenizer } = require('@huggingface/tokenizers') as { Tokenizer: typeof TokenizerType };
type Tokenizer = TokenizerType;

/** More pieces than this per word are dropped: the first pieces carry the word (its state is read at the first). */
export const MAX_PIECES_PER_WORD = 8;

/** Distinct words whose pieces are cached (tokenizing word by word is the expensive part). */
const CACHE_WORDS = 200_000;

export interface SpecialIds {
  cls: number;
  sep: number;
  pad: number;
  unk: number;
}

/** A sentence (or window) in pieces: ids without [CLS]/[SEP], and each word's piece range. */
export interface PiecedWords {
  ids: Int32Array;
  /** Index in ids of each word's first piece. */
  wordStart: Int32Array;
  /** One past each word's last piece. */
  wordEnd: Int32Array;
}

export class PieceTokenizer {
  private readonly cache = new Map<string, Int32Array>();
  readonly special: SpecialIds;

  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly vocabSize: number,
  ) {
    const id = (token: string): number => {
      const value = tokenizer.token_to_id(token);
      if (value === undefined) throw new Error(`the tokenizer has no ${token} token`);
      return value;
    };
    this.special = { cls: id('[CLS]'), sep: id('[SEP]'), pad: id('[PAD]'), unk: id('[UNK]') };
  }

  /** Loads a Hugging Face tokenizer.json (WordPiece models with [CLS]/[SEP]/[PAD]/[UNK]). */
  static fromFile(path: string): PieceTokenizer {
    let json: { model?: { type?: string; vocab?: Record<string, number> } };
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as typeof json;
    } catch (error) {
      throw new Error(`${path} is not a readable tokenizer.json: ${(error as Error).message}`);
    }
    if (json.model?.type !== 'WordPiece' || !json.model.vocab) throw new Error(`${path}: expected a WordPiece tokenizer, found ${json.model?.type ?? 'no model'}`);
    return new PieceTokenizer(new Tokenizer(json, {}), Object.keys(json.model.vocab).length);
  }

  /** Piece ids of one word: at least one ([UNK] when the tokenizer keeps nothing), at most MAX_PIECES_PER_WORD. */
  piecesOf(word: string): Int32Array {
    let ids = this.cache.get(word);
    if (ids) return ids;
    const encoded = this.tokenizer.encode(word, { add_special_tokens: false }).ids;
    ids = encoded.length === 0 ? Int32Array.of(this.special.unk) : Int32Array.from(encoded.slice(0, MAX_PIECES_PER_WORD));
    if (this.cache.size >= CACHE_WORDS) this.cache.clear();
    this.cache.set(word, ids);
    return ids;
  }

  /** True when the word (as the model sees it) is one piece of the vocabulary: a "known" word for the shape flags. */
  isWholeWord(word: string): boolean {
    const ids = this.piecesOf(word);
    return ids.length === 1 && ids[0] !== this.special.unk;
  }

  /** Pieces of a word sequence with each word's piece range. */
  pieceWords(words: readonly string[]): PiecedWords {
    const wordStart = new Int32Array(words.length);
    const wordEnd = new Int32Array(words.length);
    const pieces = words.map((w) => this.piecesOf(w));
    const ids = new Int32Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    pieces.forEach((p, i) => {
      wordStart[i] = at;
      ids.set(p, at);
      at += p.length;
      wordEnd[i] = at;
    });
    return { ids, wordStart, wordEnd };
  }

  /** The vocabulary entry of a piece id ("##ak" for a continuation). */
  pieceText(id: number): string {
    return this.tokenizer.id_to_token(id) ?? '';
  }

  /** The tokenizer's own pieces for a string (for tests: what one word costs). */
  tokenize(text: string): string[] {
    return this.tokenizer.tokenize(text, { add_special_tokens: false });
  }
}
