// The support set on disk: span JSONL (`.baner/support.jsonl`), one labelled sentence per line, plus the
// spans the user rejected in it and where it came from. Human-readable and diff-able on purpose.
import { parseSpanJsonl } from '../data/spanJsonl';
import type { TextExample } from '../types';

/** A span the user said is not an entity in this sentence. */
export interface RejectedSpan {
  start: number;
  end: number;
}

export interface SupportSource {
  /** Workspace-relative path (forward slashes) of the file the sentence was labelled in. */
  path: string;
  /** Character offset of the sentence in that file when it was labelled (edits may move it since). */
  offset: number;
}

export interface SupportExample extends TextExample {
  rejected: RejectedSpan[];
  source?: SupportSource;
}

export function parseSupportFile(content: string, fileName: string): SupportExample[] {
  return parseSpanJsonl(content, fileName, (value, text, fail) => {
    const rejected: RejectedSpan[] = [];
    if (value.rejected !== undefined) {
      if (!Array.isArray(value.rejected)) fail('"rejected" must be an array');
      (value.rejected as unknown[]).forEach((r, i) => {
        const { start, end } = (r ?? {}) as Record<string, unknown>;
        if (!Number.isInteger(start) || !Number.isInteger(end) || (start as number) < 0 || (end as number) > text.length || (start as number) >= (end as number)) {
          fail(`rejected[${i}] must be {"start", "end"} with 0 <= start < end <= ${text.length}`);
        }
        rejected.push({ start: start as number, end: end as number });
      });
    }
    let source: SupportSource | undefined;
    if (value.source !== undefined) {
      const { path, offset } = (value.source ?? {}) as Record<string, unknown>;
      if (typeof path !== 'string' || !Number.isInteger(offset) || (offset as number) < 0) fail('"source" must be {"path": string, "offset": integer >= 0}');
      source = { path: path as string, offset: offset as number };
    }
    return source ? { rejected, source } : { rejected };
  });
}

/** One line per example, keys in a fixed order, so that a diff shows what changed. */
export function formatSupportFile(examples: readonly SupportExample[]): string {
  return examples
    .map((e) => {
      const line: Record<string, unknown> = { text: e.text, spans: e.spans.map(({ start, end, label }) => ({ start, end, label })) };
      if (e.rejected.length > 0) line.rejected = e.rejected.map(({ start, end }) => ({ start, end }));
      if (e.source) line.source = { path: e.source.path, offset: e.source.offset };
      return JSON.stringify(line) + '\n';
    })
    .join('');
}
