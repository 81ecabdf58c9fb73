// Rename, merge and delete an entity type across the workspace: the support set (through the store, under its
// lock) and every adapter of the workspace (adapter.json and types.json, written atomically). Each change keeps the
// bytes every file had, so that Undo Type Change puts them back exactly, after checking that nobody changed them
// since (or being told to go ahead). The active adapter is reloaded when its types changed. Changes run one at a time.
import { readManifest } from '../../core/model/modelDirectory';
import { formatSupportFile } from '../../core/support/supportFile';
import { describeTypeEdit, editSupportTypes, editedType, supportTypeUses, typeEditProblem, type TypeEdit } from '../../core/support/typeEdits';
import { TypeEditError, adapterTypeNames, filesChangedSince, planAdapterTypeEdit, writeFileChanges, type AdapterTypeChange } from '../../core/adapters/adapterTypeEdits';
import { UserError } from '../commandGuard';
import type { SupportStore } from '../support/supportStore';
import type { AdapterRegistry } from '../adapt/adapterRegistry';
import type { EngineClient } from '../engineClient';

/** Changes kept for undo. */
const MAX_HISTORY = 20;

/** Where a type is used. */
export interface TypeUsage {
  label: string;
  /** Confirmed labels in the support set. */
  spans: number;
  /** Unconfirmed suggestions in the support set. */
  suggested: number;
  /** Workspace adapters that have the type. */
  adapters: string[];
}

/** What a change did. */
export interface TypeChangeSummary {
  edit: TypeEdit;
  /** The change in words (`rename DRUG to MEDICATION`). */
  description: string;
  /** Labels and suggestions changed in the support set, and examples that left it. */
  support: { spans: number; suggested: number; removedExamples: number };
  /** Adapters whose files changed. */
  adapters: string[];
  /** Adapters that could not be read (damaged) and were left as they are. */
  skipped: string[];
}

interface Recorded {
  summary: TypeChangeSummary;
  /** The support file's text before and after (absent: the support set did not change). */
  support?: { before: string; after: string };
  adapters: Array<{ name: string; change: AdapterTypeChange }>;
}

export class TypeChanges {
  private readonly history: Recorded[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: () => SupportStore | undefined,
    private readonly registry: AdapterRegistry,
    private readonly engine: EngineClient,
    private readonly log: (line: string) => void,
  ) {}

  /** The changes that Undo Type Change can take back, the latest last. */
  get undoable(): readonly TypeChangeSummary[] {
    return this.history.map((h) => h.summary);
  }

  /** The types of the support set and of the workspace's adapters, with where they are used. */
  async usage(): Promise<TypeUsage[]> {
    const store = this.store();
    const examples = store ? await store.ready() : [];
    const usage = new Map<string, TypeUsage>(supportTypeUses(examples).map((u) => [u.label, { ...u, adapters: [] }]));
    for (const entry of this.registry.list()) {
      if (!entry.config) continue;
      let names: string[];
      try {
        names = adapterTypeNames(entry.dir);
      } catch {
        continue; // a damaged adapter: listed with its problem in the panel
      }
      for (const label of names) {
        let u = usage.get(label);
        if (!u) usage.set(label, (u = { label, spans: 0, suggested: 0, adapters: [] }));
        u.adapters.push(entry.name);
      }
    }
    return [...usage.values()];
  }

  /** Makes `edit` in the support set and every adapter; rejects with a UserError when it cannot be made. */
  apply(edit: TypeEdit): Promise<TypeChangeSummary> {
    return this.serially(async () => {
      const store = this.requireStore();
      const known = new Set((await this.usage()).map((u) => u.label));
      const problem = typeEditProblem(edit, known);
      if (problem) throw new UserError(problem);
      const skipped: string[] = [];
      const adapters: Recorded['adapters'] = [];
      const spanDims = this.modelSpanDims();
      for (const entry of this.registry.list()) {
        if (!entry.config) continue;
        try {
          const change = planAdapterTypeEdit(entry.dir, edit, spanDims);
          if (change) adapters.push({ name: entry.name, change });
        } catch (error) {
          if (error instanceof TypeEditError) throw new UserError(`adapter "${entry.name}": ${error.message}.`);
          this.log(`type change: adapter ${entry.name} left as it is: ${(error as Error).message}`);
          skipped.push(entry.name);
        }
      }
      let support: Recorded['support'];
      let counts = { spans: 0, suggested: 0, removedExamples: 0 };
      await store.update((examples, content) => {
        const edited = editSupportTypes(examples, edit);
        if (!edited || content === undefined) return undefined;
        support = { before: content, after: formatSupportFile(edited.examples) };
        counts = { spans: edited.spans, suggested: edited.suggested, removedExamples: edited.removedExamples };
        return edited.examples;
      });
      if (!support && adapters.length === 0) throw new UserError(`nothing readable has the type ${editedType(edit)}${skipped.length > 0 ? ` (adapters left out: ${skipped.join(', ')})` : ''}.`);
      try {
        writeFileChanges(
          adapters.flatMap((a) => a.change.files),
          'after',
        );
      } catch (error) {
        if (support) await this.putSupportBack(store, support.before, support.after);
        throw error;
      }
      const summary: TypeChangeSummary = { edit, description: describeTypeEdit(edit), support: counts, adapters: adapters.map((a) => a.name), skipped };
      this.history.push({ summary, support, adapters });
      if (this.history.length > MAX_HISTORY) this.history.shift();
      this.log(`type change: ${summary.description}: ${counts.spans} labels and ${counts.suggested} suggestions in the support set, adapters: ${summary.adapters.join(', ') || 'none'}`);
      await this.adaptersChanged(summary.adapters);
      return summary;
    });
  }

  /**
   * Takes back the latest change: the support file and the adapter files get the bytes they had before it. When
   * one of them changed since, `confirm` decides (listing them); without it, the undo is refused.
   */
  undo(confirm?: (changed: string[]) => Promise<boolean>): Promise<TypeChangeSummary> {
    return this.serially(async () => {
      const last = this.history[this.history.length - 1];
      if (!last) throw new UserError('no type change to undo.');
      const store = this.requireStore();
      const files = last.adapters.flatMap((a) => a.change.files);
      const changed = filesChangedSince(files, 'after').map((path) => this.shortPath(path));
      if (last.support) {
        let current: string | undefined;
        await store.update((_, content) => {
          current = content;
          return undefined;
        });
        if (current !== last.support.after) changed.unshift('.baner/support.jsonl');
      }
      const refused = (files: string[]) => new UserError(`not undone: ${files.join(', ')} changed since "${last.summary.description}".`);
      if (changed.length > 0 && !(confirm && (await confirm(changed)))) throw refused(changed);
      if (last.support) {
        const { before, after } = last.support;
        const confirmed = changed.length > 0;
        // Checked again under the lock: another window may have written since the question.
        await store.update((_, content) => {
          if (content !== after && !confirmed) throw refused(['.baner/support.jsonl']);
          return { text: before };
        });
      }
      try {
        writeFileChanges(files, 'before');
      } catch (error) {
        if (last.support) await this.putSupportBack(store, last.support.after, last.support.before);
        throw error;
      }
      this.history.pop();
      this.log(`type change undone: ${last.summary.description}`);
      await this.adaptersChanged(last.summary.adapters);
      return last.summary;
    });
  }

  /** Writes `text` back when the file still holds `expected` (a change half made). */
  private async putSupportBack(store: SupportStore, text: string, expected: string): Promise<void> {
    try {
      await store.update((_, content) => (content === expected ? { text } : undefined));
    } catch (error) {
      this.log(`type change: the support set could not be put back: ${(error as Error).message}`);
    }
  }

  /** The engine reloads the active adapter when its files changed; the panel and views hear of the change. */
  private async adaptersChanged(names: string[]): Promise<void> {
    const active = this.registry.activeName;
    if (active !== undefined && names.includes(active)) {
      try {
        await this.registry.activate(active);
      } catch (error) {
        this.log(`type change: reloading adapter ${active}: ${(error as Error).message}`);
        throw new Error(`the files changed, but the adapter "${active}" could not be reloaded: ${(error as Error).message}`);
      }
    } else if (names.length > 0) {
      this.registry.refresh();
    }
  }

  /** The span width of the model in use, for checking type vectors (undefined when its manifest cannot be read). */
  private modelSpanDims(): number | undefined {
    try {
      const dims = readManifest(this.engine.modelDirectory).architecture.spanDims;
      return typeof dims === 'number' ? dims : undefined;
    } catch {
      return undefined;
    }
  }

  private requireStore(): SupportStore {
    const store = this.store();
    if (!store) throw new UserError('open a trusted folder first: the support set and adapters are kept in its .baner folder.');
    return store;
  }

  /** A file as the messages name it: relative to the .baner folder's parent. */
  private shortPath(path: string): string {
    const at = path.replace(/\\/g, '/').lastIndexOf('/.baner/');
    return at >= 0 ? path.slice(at + 1) : path;
  }

  private serially<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation, operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
