// Shared data shapes of the engine. Spans are half-open ranges everywhere: [start, end).

/** A token with its exact character range in the text it came from. */
export interface Token {
  text: string;
  start: number;
  end: number;
}

/** An entity span in token indices (end exclusive), as read from a CoNLL file. */
export interface TokenSpan {
  start: number;
  end: number;
  label: string;
}

/** A sentence with token-level gold spans (the unit of CoNLL files and of training). */
export interface LabeledSentence {
  tokens: string[];
  spans: TokenSpan[];
}

/** An entity in character offsets of a text, as produced by the engine and stored in span JSONL. */
export interface CharSpan {
  start: number;
  end: number;
  label: string;
  score?: number;
}

/** One line of span JSONL: `{"text", "spans":[{"start","end","label"}]}`. */
export interface TextExample {
  text: string;
  spans: CharSpan[];
}
