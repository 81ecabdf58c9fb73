// The "Support Set & Adapters" panel in the webview: renders the host's PanelState and posts the user's
// actions back. Everything from the state (sentences, type and adapter names, paths) goes in through
// textContent / DOM properties, never as HTML. Only the @vscode-elements components used here are bundled;
// none of them is given an icon, so the codicon font is not needed.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import type { PanelAdapter, PanelExample, PanelMessage, PanelRequest, PanelState } from '../src/extension/panel/panelProtocol';
import { PendingRemovals } from './pendingRemovals';

/** The adaptation methods the held-out choice picks from, in words. */
const METHOD_NAMES: Record<string, string> = { none: 'prototypes only', lorahub: 'LoRAHub', lora: 'fine-tuned LoRA', full: 'LoRAHub + fine-tuning' };

declare function acquireVsCodeApi(): { postMessage(message: PanelRequest): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;

/** The adapter being renamed and what the user has typed so far (kept across re-renders). */
let renaming: { name: string; draft: string; pending?: boolean } | undefined;
let lastState: PanelState | undefined;
/** The state without `adapting`, as JSON: when only the progress changes, only the progress is redrawn. */
let lastStructure: string | undefined;
let errorBox: HTMLElement | undefined;
/** Removals asked for and not yet done: their buttons are disabled (a double click removes one sentence). */
const removing = new PendingRemovals();

function post(request: PanelRequest): void {
  dismissError(); // a new action: the previous error is about something else
  vscode.postMessage(request);
}

interface ElementProps {
  className?: string;
  text?: string;
  title?: string;
  /** Identifies an interactive element across re-renders, so keyboard focus stays on it. */
  key?: string;
}

function el(tag: string, props: ElementProps = {}, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  if (props.key) node.dataset.key = props.key;
  node.append(...children);
  return node;
}

function button(label: string, key: string, onClick: () => void, options: { secondary?: boolean; title?: string; disabled?: boolean } = {}): HTMLElement {
  const b = el('vscode-button', { text: label, title: options.title, key });
  if (options.secondary) b.setAttribute('secondary', '');
  if (options.disabled) b.setAttribute('disabled', '');
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) onClick();
  });
  return b;
}

function section(id: string, title: string, count: number, ...content: Node[]): HTMLElement {
  const heading = el('h2', { text: title }, ' ', el('vscode-badge', { text: String(count) }));
  const s = el('section', {}, heading, ...content);
  s.id = id;
  return s;
}

function empty(text: string): HTMLElement {
  return el('p', { className: 'muted empty', text });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function swatch(color: string): HTMLElement {
  const s = el('span', { className: 'swatch' });
  s.style.backgroundColor = color;
  return s;
}

/** The sentence with labelled spans as coloured marks, unconfirmed suggestions dashed, rejected spans struck through. */
function sentence(example: PanelExample, colors: Map<string, string>): HTMLElement {
  const out = el('p', { className: 'sentence' });
  const text = example.text;
  const clamp = (n: number) => Math.max(0, Math.min(text.length, Math.trunc(Number(n) || 0)));
  const marks = [
    ...example.spans.map((s) => ({ start: clamp(s.start), end: clamp(s.end), label: String(s.label) as string | undefined, suggested: false })),
    ...(example.suggested ?? []).map((s) => ({ start: clamp(s.start), end: clamp(s.end), label: String(s.label) as string | undefined, suggested: true })),
    ...example.rejected.map((r) => ({ start: clamp(r.start), end: clamp(r.end), label: undefined, suggested: false })),
  ]
    .filter((m) => m.end > m.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let at = 0;
  for (const m of marks) {
    if (m.start < at) continue; // overlapping marks are not expected; never draw text twice
    out.append(text.slice(at, m.start));
    const covered = text.slice(m.start, m.end);
    if (m.label === undefined) {
      out.append(el('s', { className: 'rejected', text: covered, title: 'Rejected: not an entity here' }));
    } else {
      const mark = el('mark', { text: covered, title: m.suggested ? `${m.label} (unconfirmed suggestion: not trained on until accepted)` : m.label, className: m.suggested ? 'suggested' : '' });
      mark.style.setProperty('--type-color', colors.get(m.label) ?? 'var(--vscode-editor-findMatchHighlightBorder, #888)');
      mark.append(el('span', { className: 'mark-label', text: m.label }));
      out.append(mark);
    }
    at = m.end;
  }
  out.append(text.slice(at));
  return out;
}

function renderHeader(state: PanelState): HTMLElement {
  const facts = el('dl', { className: 'facts' });
  const fact = (term: string, value: string, muted = false) => facts.append(el('div', {}, el('dt', { text: term }), el('dd', { text: value, className: muted ? 'muted' : '' })));
  fact('Model', state.model.id);
  fact('Runs on', state.model.provider);
  if (state.model.activeAdapter) fact('Adapter', state.model.activeAdapter);
  else fact('Adapter', 'none (base model)', true);
  return el('header', {}, el('h1', { text: 'Support set & adapters' }), facts);
}

function renderTypes(state: PanelState): HTMLElement {
  if (state.types.length === 0) {
    return section('types', 'Types', 0, empty('No support examples yet: select a span in a document and run "BANER: Label as Support Example".'));
  }
  const list = el('ul', { className: 'types' });
  for (const t of state.types) {
    const f1 = typeof t.heldOutF1 === 'number' && Number.isFinite(t.heldOutF1) ? `held-out F1 ${(t.heldOutF1 * 100).toFixed(0)}%` : 'held-out F1 –';
    const item = el('li', {}, swatch(t.color), el('span', { className: 'type-label', text: t.label }), el('span', { className: 'muted', text: `${plural(t.count, 'mention')} · ${f1}` }));
    if (t.warning) item.append(el('span', { className: 'type-warning', text: `⚠ ${t.warning}` }));
    list.append(item);
  }
  return section('types', 'Types', state.types.length, list);
}

function renderExamples(state: PanelState): HTMLElement {
  if (state.examples.length === 0) {
    return section('examples', 'Examples', 0, empty('The sentences you label appear here, with their spans marked. Rejecting a suggested entity ("BANER: Reject Suggested Entity") records a negative example.'));
  }
  const colors = new Map(state.types.map((t) => [t.label, t.color]));
  const list = el('ol', { className: 'examples' });
  for (const example of state.examples) {
    const actions = el('div', { className: 'actions' });
    if (example.source) {
      // In a multi-root workspace a file of another folder is shown with that folder's name.
      const path = example.source.folder ? `${example.source.folder}/${example.source.path}` : example.source.path;
      const where = example.source.line ? `${path}:${example.source.line}` : path;
      const link = el('a', { text: where, title: `Open ${path} at this sentence`, className: 'source', key: `reveal:${example.id}` });
      link.setAttribute('href', '#');
      link.addEventListener('click', (e) => {
        e.preventDefault();
        post({ type: 'reveal', id: example.id });
      });
      actions.append(link);
    } else {
      actions.append(el('span', { className: 'muted', text: 'source not recorded' }));
    }
    const remove = () => {
      if (!removing.request(example.id)) return;
      post({ type: 'removeExample', id: example.id });
      if (lastState) render(lastState, true); // drawn disabled until the state without it arrives
    };
    const waiting = removing.has(example.id);
    actions.append(button('Remove', `remove:${example.id}`, remove, { secondary: true, title: waiting ? 'Removing…' : 'Remove this sentence from the support set', disabled: waiting }));
    list.append(el('li', {}, sentence(example, colors), actions));
  }
  const unconfirmed = state.unconfirmed ?? 0;
  const note = unconfirmed > 0
    ? el('p', { className: 'muted unconfirmed', text: `${plural(unconfirmed, 'unconfirmed suggestion')} (dashed): not trained on until accepted in the editor (Accept Suggested Entity, or Accept Sentence for all of a sentence).` })
    : el('p', { className: 'muted unconfirmed', text: 'No unconfirmed suggestions: every span shown is confirmed.' });
  return section('examples', 'Examples', state.examples.length, note, list);
}

function formatDate(iso: string): string {
  const date = new Date(iso);
  return iso && !Number.isNaN(date.getTime()) ? date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : iso || 'unknown';
}

function formatF1(f1: number | undefined): string {
  return typeof f1 === 'number' && Number.isFinite(f1) ? `${(f1 * 100).toFixed(1)}%` : '–';
}

function renameField(adapter: PanelAdapter): HTMLElement {
  const edit = renaming!;
  const field = el('vscode-textfield', { key: 'rename-field' }) as HTMLElement & { value: string };
  field.setAttribute('label', `New name for ${adapter.name}`);
  field.value = edit.draft;
  field.addEventListener('input', () => (edit.draft = field.value));
  const ok = () => {
    const value = (field.value ?? '').trim();
    if (!value || value === adapter.name) return cancel();
    if (edit.pending) return; // asked already; the answer (a state or an error) is on its way
    // The field stays open until the adapter is gone under its old name: if the host refuses the name,
    // its error shows and the draft can be corrected.
    edit.pending = true;
    post({ type: 'rename', name: adapter.name, newName: value });
  };
  const cancel = () => {
    renaming = undefined;
    if (lastState) render(lastState, true);
  };
  field.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).isComposing) return;
    if ((e as KeyboardEvent).key === 'Enter') ok();
    else if ((e as KeyboardEvent).key === 'Escape') cancel();
  });
  return el('div', { className: 'rename' }, field, button('OK', 'rename-ok', ok), button('Cancel', 'rename-cancel', cancel, { secondary: true }));
}

function renderAdapter(adapter: PanelAdapter, adapting: boolean): HTMLElement {
  const item = el('li', { className: adapter.active ? 'adapter active' : 'adapter' });
  const title = el('div', { className: 'adapter-title' });
  if (renaming?.name === adapter.name) title.append(renameField(adapter));
  else title.append(el('strong', { className: 'adapter-name', text: adapter.name }));
  if (adapter.active) title.append(el('vscode-badge', { text: 'active', title: 'Highlighting uses this adapter' }));
  const actions = el('div', { className: 'actions' });
  if (!adapter.active) actions.append(button('Activate', `activate:${adapter.name}`, () => post({ type: 'activate', name: adapter.name }), { disabled: adapting }));
  actions.append(
    button('Rename', `rename:${adapter.name}`, () => {
      renaming = { name: adapter.name, draft: adapter.name };
      if (lastState) render(lastState, true);
      focusKey('rename-field');
    }, { secondary: true, disabled: adapting }),
    button('Delete', `delete:${adapter.name}`, () => post({ type: 'delete', name: adapter.name }), { secondary: true, disabled: adapting }),
  );
  const facts = el('dl', { className: 'facts' });
  const fact = (term: string, value: string, title?: string) => facts.append(el('div', { title }, el('dt', { text: term }), el('dd', { text: value })));
  fact('Types', adapter.types.length ? adapter.types.join(', ') : '–');
  fact('Support', `${plural(adapter.supportSentences, 'sentence')}, ${plural(adapter.supportMentions, 'mention')}`);
  fact(
    'Support F1',
    formatF1(adapter.supportF1),
    adapter.supportF1 === undefined
      ? 'Needs labels in two or more sentences'
      : `Micro F1 on support sentences the adapter did not train on (${adapter.supportScoreKind ?? 'held out'})`,
  );
  if (adapter.chosenMethod) fact('Method', METHOD_NAMES[adapter.chosenMethod] ?? adapter.chosenMethod, 'Chosen by held-out F1 on the support set: an adapter must beat prototypes only to be used');
  fact('Base model', adapter.baseModel);
  fact('Created', formatDate(adapter.created), adapter.created);
  item.append(el('div', { className: 'adapter-head' }, title, actions), facts);
  return item;
}

function renderProgress(adapting: NonNullable<PanelState['adapting']>): HTMLElement {
  const percent = Math.max(0, Math.min(100, Number(adapting.percent) || 0));
  const bar = el('vscode-progress-bar');
  bar.setAttribute('max', '100');
  bar.setAttribute('value', String(percent));
  bar.setAttribute('aria-label', 'Adaptation progress');
  return el('div', { className: 'progress' }, el('span', { className: 'progress-label', text: `Adapting: ${adapting.phase} (${Math.round(percent)}%)` }), bar);
}

function renderAdapters(state: PanelState): HTMLElement {
  const adapting = state.adapting !== undefined;
  const toolbar = el(
    'div',
    { className: 'toolbar' },
    button('Adapt to this domain', 'adapt', () => post({ type: 'adapt' }), {
      title: adapting ? 'An adaptation is running' : 'Train an adapter on the support set',
      disabled: adapting,
    }),
    button('Use base model', 'base', () => post({ type: 'activate', name: null }), {
      secondary: true,
      title: 'Highlight with the base model, without an adapter',
      disabled: adapting || !(state.model.activeAdapter || state.adapters.some((a) => a.active)),
    }),
  );
  const progressSlot = el('div', { className: 'progress-slot' });
  if (state.adapting) progressSlot.append(renderProgress(state.adapting));
  if (state.adapters.length === 0) {
    return section('adapters', 'Adapters', 0, toolbar, progressSlot, empty('No adapters in this workspace yet: label a few spans of each type, then "Adapt to this domain".'));
  }
  const list = el('ul', { className: 'adapters' });
  for (const a of state.adapters) list.append(renderAdapter(a, adapting));
  return section('adapters', 'Adapters', state.adapters.length, toolbar, progressSlot, list);
}

let focusRequest = 0;

type Focusable = HTMLElement & { updateComplete?: Promise<unknown>; wrappedElement?: HTMLInputElement };

/** Focuses the element with this key; in a text field, `selection` puts the caret back where it was. */
function focusKey(key: string | undefined, selection?: [number, number]): void {
  if (!key) return;
  const target = [...app.querySelectorAll<HTMLElement>('[data-key]')].find((e) => e.dataset.key === key) as Focusable | undefined;
  if (!target) return;
  const request = ++focusRequest;
  const focus = () => {
    target.focus();
    if (selection && target.wrappedElement) target.wrappedElement.setSelectionRange(...selection);
  };
  focus();
  // A Lit element draws its shadow DOM (a text field's <input>) after this task: focus it again once drawn,
  // unless focus was asked for elsewhere meanwhile.
  void target.updateComplete?.then(() => {
    if (request === focusRequest && target.isConnected && (!target.matches(':focus-within') || selection)) focus();
  });
}

/** Draws the state. Only the progress is redrawn when nothing else changed (progress ticks come often), so
 *  focus, the rename draft and the scroll position stay; otherwise everything is, and focus goes back to the
 *  element with the same key. */
function render(state: PanelState, force = false): void {
  lastState = state;
  if (renaming && !state.adapters.some((a) => a.name === renaming!.name)) renaming = undefined; // renamed or deleted
  else if (renaming) renaming.pending = false;
  const { adapting, ...rest } = state;
  const structure = JSON.stringify(rest);
  const slot = app.querySelector('.progress-slot');
  if (!force && structure === lastStructure && slot && Boolean(adapting) === Boolean(slot.firstChild)) {
    if (adapting) slot.replaceChildren(renderProgress(adapting));
    return;
  }
  lastStructure = structure;
  const focusedElement = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-key]') as Focusable | null | undefined;
  const input = focusedElement?.wrappedElement;
  const selection: [number, number] | undefined = input && input.selectionStart !== null ? [input.selectionStart, input.selectionEnd ?? input.selectionStart] : undefined;
  app.replaceChildren(
    renderHeader(state),
    ...(errorBox ? [errorBox] : []),
    renderTypes(state),
    el('vscode-divider'),
    renderExamples(state),
    el('vscode-divider'),
    renderAdapters(state),
  );
  focusKey(focusedElement?.dataset.key, selection);
}

function dismissError(): void {
  errorBox?.remove();
  errorBox = undefined;
}

function showError(message: string): void {
  dismissError();
  if (renaming) renaming.pending = false;
  errorBox = el('div', { className: 'error' }, el('span', { text: message }), button('Dismiss', 'dismiss-error', dismissError, { secondary: true }));
  errorBox.setAttribute('role', 'alert');
  const header = app.querySelector('header');
  if (header) header.after(errorBox);
  else app.prepend(errorBox);
}

window.addEventListener('message', (event: MessageEvent<PanelMessage>) => {
  const message = event.data;
  if (!message || typeof message !== 'object') return;
  if (message.type === 'state') {
    const finished = removing.settle((Array.isArray(message.state?.examples) ? message.state.examples : []).map((e) => e.id));
    render(message.state, finished);
  } else if (message.type === 'error') {
    showError(String(message.message));
    if (removing.clear() && lastState) render(lastState, true);
  }
});

vscode.postMessage({ type: 'ready' });
