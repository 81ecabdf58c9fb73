// Keeping character spans in step with edits of their text, so that after a keystroke only the region around
// it has to be looked at again.

export interface TextChange {
  /** Offset of the replaced range in the text before the change. */
  offset: number;
  /** Length of the replaced range. */
  removed: number;
  /** Length of the inserted text. */
  inserted: number;
}

export interface Range {
  start: number;
  end: number;
}

/**
 * Spans after `change`: those before it stay, those after it move by the length difference, those it cuts into
 * are dropped. Spans merely touching it are kept; the re-highlight of the sentences around the change replaces
 * them anyway. `spans` sorted by start; the result is too.
 */
export function shiftSpans<T extends Range>(spans: readonly T[], change: TextChange): T[] {
  const delta = change.inserted - change.removed;
  const changedEnd = change.offset + change.removed;
  const out: T[] = [];
  for (const span of spans) {
    if (span.end <= change.offset) out.push(span);
    else if (span.start >= changedEnd) out.push({ ...span, start: span.start + delta, end: span.end + delta });
  }
  return out;
}

/** The region that needs a fresh look after `change`, merged with what was dirty before (both in new offsets). */
export function growDirty(dirty: Range | undefined, change: TextChange): Range {
  const delta = change.inserted - change.removed;
  const changed = { start: change.offset, end: change.offset + change.inserted };
  if (!dirty) return changed;
  const moved = {
    start: dirty.start >= change.offset + change.removed ? dirty.start + delta : Math.min(dirty.start, change.offset),
    end: dirty.end >= change.offset + change.removed ? dirty.end + delta : Math.max(Math.min(dirty.end, change.offset), change.offset),
  };
  return { start: Math.min(moved.start, changed.start), end: Math.max(moved.end, changed.end) };
}

/** Spans found in a piece of a text that starts at `offset`, in the whole text's offsets. */
export function offsetSpans<T extends Range>(spans: readonly T[], offset: number): T[] {
  return spans.map((s) => ({ ...s, start: s.start + offset, end: s.end + offset }));
}

/** Spans of `fresh` (offsets in the whole text) replace those of `old` overlapping `region`. Both sorted by start. */
export function spliceRegion<T extends Range>(old: readonly T[], region: Range, fresh: readonly T[]): T[] {
  const before = old.filter((s) => s.end <= region.start);
  const after = old.filter((s) => s.start >= region.end);
  return [...before, ...fresh, ...after];
}
