// Character-level support examples -> the token-level SupportSet that adaptation trains on.
import { tokenize } from '../text/tokenize';
import { textToSentence, type SpanAlignmentIssue } from '../data/spanJsonl';
import { NOT_AN_ENTITY } from '../adapters/adapter';
import type { SupportSet } from '../adapt';
import type { SupportExample } from './supportFile';

export interface ConvertedSupport {
  support: SupportSet;
  /** Spans whose edges fell inside a token (widened to it) or that cover no token (dropped), per example index. */
  issues: Array<{ example: number; issue: SpanAlignmentIssue }>;
}

export function toSupportSet(examples: readonly SupportExample[]): ConvertedSupport {
  const support: SupportSet = { sentences: [], rejected: [], unconfirmed: [] };
  const issues: ConvertedSupport['issues'] = [];
  examples.forEach((example, index) => {
    const tokens = tokenize(example.text);
    const labelled = textToSentence(example, tokens);
    const rejected = textToSentence({ text: example.text, spans: example.rejected.map((r) => ({ ...r, label: NOT_AN_ENTITY })) }, tokens);
    for (const issue of labelled.issues) issues.push({ example: index, issue });
    support.sentences.push(labelled.sentence);
    support.rejected!.push(rejected.sentence.spans);
    // Unconfirmed suggestions: their tokens are neither entities nor non-entities for training.
    support.unconfirmed!.push(textToSentence({ text: example.text, spans: example.suggested }, tokens).sentence.spans);
  });
  return { support, issues };
}
