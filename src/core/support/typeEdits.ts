// Entity-type edits of the support set (rename a type, merge one type into another, delete a type), as pure
// functions from examples to new examples. They touch confirmed labels (`spans`) and unconfirmed suggestions
// (`suggested`) alike and never move an offset, so an edit cannot make two spans overlap. An example left with
// neither a label nor a rejection leaves the set, as when its last label is removed by hand (suggestions alone
// teach nothing); every other example is returned as the same object.
import { NOT_AN_ENTITY } from '../adapters/adapter';
import type { CharSpan } from '../types';
import type { SupportExample } from './supportFile';

export type TypeEdit =
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'merge'; from: string; into: string }
  | { kind: 'delete'; type: string };

/** The type an edit takes away (renamed, merged away or deleted). */
export function editedType(edit: TypeEdit): string {
  return edit.kind === 'delete' ? edit.type : edit.from;
}

/** What becomes of a label under `edit`: its new name, or null when its spans are removed. */
export function mapLabel(edit: TypeEdit, label: string): string | null {
  switch (edit.kind) {
    case 'rename':
      return label === edit.from ? edit.to : label;
    case 'merge':
      return label === edit.from ? edit.into : label;
    case 'delete':
      return label === edit.type ? null : label;
  }
}

/** The edit in words, e.g. `rename DRUG to MEDICATION`. */
export function describeTypeEdit(edit: TypeEdit): string {
  switch (edit.kind) {
    case 'rename':
      return `rename ${edit.from} to ${edit.to}`;
    case 'merge':
      return `merge ${edit.from} into ${edit.into}`;
    case 'delete':
      return `delete ${edit.type}`;
  }
}

/**
 * Why `edit` cannot be made, given the types that exist (in the support set and the adapters), or undefined.
 * The names themselves are checked by the caller (the editor's rule for type names).
 */
export function typeEditProblem(edit: TypeEdit, existing: ReadonlySet<string>): string | undefined {
  const from = editedType(edit);
  if (from === NOT_AN_ENTITY) return `"${NOT_AN_ENTITY}" means "not an entity"; it is no type to edit.`;
  if (!existing.has(from)) return `there is no type ${from} in the support set or the workspace's adapters.`;
  if (edit.kind === 'rename') {
    if (edit.to === from) return `${from} has that name already.`;
    if (existing.has(edit.to)) return `a type ${edit.to} exists already: merge ${from} into ${edit.to} instead.`;
  }
  if (edit.kind === 'merge' && edit.into === from) return `a type cannot be merged into itself.`;
  return undefined;
}

export interface TypeUse {
  label: string;
  /** Confirmed labels of the type. */
  spans: number;
  /** Unconfirmed suggestions of the type. */
  suggested: number;
}

/** The types of the support set with their confirmed and suggested mentions, most labelled first. */
export function supportTypeUses(examples: readonly SupportExample[]): TypeUse[] {
  const uses = new Map<string, TypeUse>();
  const use = (label: string) => {
    let u = uses.get(label);
    if (!u) uses.set(label, (u = { label, spans: 0, suggested: 0 }));
    return u;
  };
  for (const e of examples) {
    for (const s of e.spans) use(s.label).spans++;
    for (const s of e.suggested) use(s.label).suggested++;
  }
  return [...uses.values()].sort((a, b) => b.spans - a.spans || b.suggested - a.suggested || a.label.localeCompare(b.label));
}

export interface SupportTypeEditResult {
  examples: SupportExample[];
  /** Confirmed labels renamed or removed. */
  spans: number;
  /** Suggestions renamed or removed. */
  suggested: number;
  /** Examples that left the set (nothing labelled or rejected was left in them). */
  removedExamples: number;
}

/** The support set after `edit`; undefined when no label or suggestion has the edited type. */
export function editSupportTypes(examples: readonly SupportExample[], edit: TypeEdit): SupportTypeEditResult | undefined {
  let spans = 0;
  let suggested = 0;
  let removedExamples = 0;
  const next: SupportExample[] = [];
  for (const example of examples) {
    const newSpans = relabel(example.spans, edit);
    const newSuggested = relabel(example.suggested, edit);
    if (!newSpans && !newSuggested) {
      next.push(example);
      continue;
    }
    spans += newSpans?.changed ?? 0;
    suggested += newSuggested?.changed ?? 0;
    const edited: SupportExample = { ...example, spans: newSpans?.spans ?? example.spans, suggested: newSuggested?.spans ?? example.suggested };
    if (edited.spans.length === 0 && edited.rejected.length === 0) removedExamples++;
    else next.push(edited);
  }
  return spans + suggested === 0 ? undefined : { examples: next, spans, suggested, removedExamples };
}

/** The spans with their labels mapped (a removed label drops its span); undefined when none has the edited type. */
function relabel(spans: readonly CharSpan[], edit: TypeEdit): { spans: CharSpan[]; changed: number } | undefined {
  const from = editedType(edit);
  let changed = 0;
  const out: CharSpan[] = [];
  for (const s of spans) {
    if (s.label !== from) {
      out.push(s);
      continue;
    }
    changed++;
    const label = mapLabel(edit, s.label);
    if (label !== null) out.push({ ...s, label });
  }
  return changed === 0 ? undefined : { spans: out, changed };
}
