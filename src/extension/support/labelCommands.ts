// Label as Support Example, Remove Label, Accept / Reject Suggestion, Accept Sentence: edits of the support set
// from the editor.
import * as vscode from 'vscode';
import { conflictsWith, findExample, typeCounts, withLabel, withRejected, withSentenceAccepted, withoutLabelAt } from '../../core/support/supportEdits';
import { NOT_AN_ENTITY } from '../../core/adapters/adapter';
import { entityAt, type Highlighter } from '../highlights';
import type { EngineClient } from '../engineClient';
import type { SupportStore } from './supportStore';
import { documentSentence } from './documentSentence';
import { guarded, UserError } from '../commandGuard';

/** Optional arguments, for keybindings and scripts: `{ "label": "DRUG" }` skips the quick pick. */
export interface LabelArgs {
  label?: string;
  /** What to do with labels the new one overlaps, instead of asking. */
  onOverlap?: 'replace' | 'cancel';
}

const NEW_TYPE = '$(add) New type...';

export function validateTypeName(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'A type needs a name.';
  if (trimmed === NOT_AN_ENTITY) return `"${NOT_AN_ENTITY}" means "not an entity"; choose another name.`;
  if (!/^[\p{L}\p{N}_.-]+$/u.test(trimmed)) return 'Use letters, digits, "_", "-" or "." (no spaces), e.g. DRUG or gene_name.';
  return undefined;
}

export class LabelCommands {
  constructor(
    private readonly store: () => SupportStore | undefined,
    private readonly highlighter: Highlighter,
    private readonly engine: EngineClient,
  ) {}

  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('baner.labelSelection', (args?: LabelArgs) => guarded(() => this.label(args))),
      vscode.commands.registerCommand('baner.removeLabel', () => guarded(() => this.remove())),
      vscode.commands.registerCommand('baner.acceptSuggestion', () => guarded(() => this.judgeSuggestion('accept'))),
      vscode.commands.registerCommand('baner.rejectSuggestion', () => guarded(() => this.judgeSuggestion('reject'))),
      vscode.commands.registerCommand('baner.acceptSentence', () => guarded(() => this.acceptSentence())),
    ];
  }

  /** Labels each non-empty selection; resolves to the number of spans labelled. */
  private async label(args: LabelArgs = {}): Promise<number> {
    const { editor, store } = this.context();
    const document = editor.document;
    const selections = editor.selections
      .map((s) => trimmed(document, document.offsetAt(s.start), document.offsetAt(s.end)))
      .filter((r): r is { start: number; end: number } => r !== undefined);
    if (selections.length === 0) throw new UserError('select the text of an entity first (several selections label several spans).');
    const label = args.label !== undefined ? checkedType(args.label) : await this.pickType(store);
    if (!label) return 0;
    let labelled = 0;
    for (const selection of selections) {
      const sentence = documentSentence(document, selection.start, selection.end, this.highlighter, store.folder);
      if (!sentence) continue;
      const span = { start: selection.start - sentence.offset, end: selection.end - sentence.offset, label };
      const conflicts = conflictsWith(await store.ready(), sentence.ref, span);
      if (conflicts.length > 0) {
        const listed = conflicts.map((c) => `"${sentence.ref.text.slice(c.start, c.end)}" (${c.label})`).join(', ');
        const choice = args.onOverlap ?? (await askOverlap(`"${sentence.ref.text.slice(span.start, span.end)}" overlaps ${listed}.`));
        if (choice !== 'replace') continue;
      }
      await store.update((examples) => withLabel(examples, sentence.ref, span));
      labelled++;
    }
    if (labelled > 0) vscode.window.setStatusBarMessage(`BANER: labelled ${labelled} span${labelled > 1 ? 's' : ''} as ${label}`, 4000);
    return labelled;
  }

  private async remove(): Promise<boolean> {
    const { editor, store } = this.context();
    const document = editor.document;
    const start = document.offsetAt(editor.selection.start);
    const end = document.offsetAt(editor.selection.end);
    const sentence = documentSentence(document, start, end, this.highlighter, store.folder);
    const removed =
      sentence &&
      (await store.update((examples) => {
        const index = findExample(examples, sentence.ref);
        return index < 0 ? undefined : withoutLabelAt(examples, index, start - sentence.offset, end - sentence.offset);
      }));
    if (!removed) throw new UserError('no support label here: put the cursor in a labelled span.');
    return true;
  }

  /**
   * Accept: the suggestion under the cursor becomes a confirmed label. Reject: a negative example. The suggestion
   * is the one kept in the support set for that sentence, else the entity highlighted there now.
   */
  private async judgeSuggestion(verdict: 'accept' | 'reject'): Promise<boolean> {
    const { editor, store } = this.context();
    const document = editor.document;
    const cursor = document.offsetAt(editor.selection.active);
    const sentence = documentSentence(document, cursor, cursor, this.highlighter, store.folder);
    const examples = await store.ready();
    const index = sentence ? findExample(examples, sentence.ref) : -1;
    const kept = sentence && index >= 0 ? entityAt(examples[index].suggested, cursor - sentence.offset) : undefined;
    const state = this.highlighter.get(document);
    const highlighted = state && state.version === document.version ? entityAt(state.entities, cursor) : undefined;
    const target = kept && sentence ? { ...kept, start: kept.start + sentence.offset, end: kept.end + sentence.offset } : highlighted;
    if (!target) throw new UserError(`no suggestion at the cursor to ${verdict}.`);
    const around = documentSentence(document, target.start, target.end, this.highlighter, store.folder);
    if (!around) return false;
    const span = { start: target.start - around.offset, end: target.end - around.offset, label: target.label };
    await store.update((all) => (verdict === 'accept' ? withLabel(all, around.ref, span) : withRejected(all, around.ref, span)));
    const text = document.getText(new vscode.Range(document.positionAt(target.start), document.positionAt(target.end)));
    vscode.window.setStatusBarMessage(`BANER: ${verdict === 'accept' ? 'accepted' : 'rejected'} "${text}" (${target.label})`, 4000);
    return true;
  }

  /** Every suggestion of the sentence at the cursor becomes a confirmed label; resolves to how many did. */
  private async acceptSentence(): Promise<number> {
    const { editor, store } = this.context();
    const document = editor.document;
    const cursor = document.offsetAt(editor.selection.active);
    const sentence = documentSentence(document, cursor, cursor, this.highlighter, store.folder);
    if (!sentence) throw new UserError('put the cursor in a sentence first.');
    let confirmed = 0;
    await store.update((examples) => {
      const accepted = withSentenceAccepted(examples, sentence.ref);
      confirmed = accepted.confirmed;
      return accepted.examples;
    });
    vscode.window.setStatusBarMessage(`BANER: accepted the sentence (${confirmed} suggestion${confirmed === 1 ? '' : 's'} confirmed)`, 4000);
    return confirmed;
  }

  private async pickType(store: SupportStore): Promise<string | undefined> {
    const counts = new Map(typeCounts(await store.ready()).map((t) => [t.label, t.count]));
    const modelTypes = this.engine.state.kind === 'ready' ? this.engine.state.info.labels : [];
    const items: vscode.QuickPickItem[] = [...counts.keys()].map((label) => ({ label, description: `${counts.get(label)} in the support set` }));
    for (const label of modelTypes) if (!counts.has(label)) items.push({ label, description: 'a type of the model' });
    items.push({ label: NEW_TYPE, alwaysShow: true });
    const picked = await vscode.window.showQuickPick(items, { title: 'BANER: entity type of the selection', placeHolder: 'Type to filter, or pick "New type..."' });
    if (!picked) return undefined;
    if (picked.label !== NEW_TYPE) return picked.label;
    const name = await vscode.window.showInputBox({ title: 'BANER: new entity type', prompt: 'Name of the type, e.g. DRUG', validateInput: validateTypeName });
    return name?.trim() || undefined;
  }

  private context(): { editor: vscode.TextEditor; store: SupportStore } {
    const editor = vscode.window.activeTextEditor;
    if (!editor) throw new UserError('open a document first.');
    const store = this.store();
    if (!store) throw new UserError('open a folder first: the support set is kept in its .baner/support.jsonl.');
    return { editor, store };
  }
}


function checkedType(label: string): string {
  const problem = validateTypeName(label);
  if (problem) throw new UserError(problem);
  return label.trim();
}

/** The range without leading and trailing whitespace; undefined when nothing is left. */
function trimmed(document: vscode.TextDocument, start: number, end: number): { start: number; end: number } | undefined {
  const text = document.getText(new vscode.Range(document.positionAt(start), document.positionAt(end)));
  const lead = text.length - text.trimStart().length;
  const trail = text.length - text.trimEnd().length;
  return start + lead < end - trail ? { start: start + lead, end: end - trail } : undefined;
}

async function askOverlap(what: string): Promise<'replace' | 'cancel'> {
  const choice = await vscode.window.showWarningMessage(`BANER: ${what} A span has one label.`, { modal: true }, 'Replace');
  return choice === 'Replace' ? 'replace' : 'cancel';
}
