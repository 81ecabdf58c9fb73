// The "Support Set & Adapters" panel in the webview: renders the host's PanelState and posts the user's
// actions back. Everything the user wrote (sentences, type and adapter names) goes in through textContent,
// never as HTML. Only the @vscode-elements components used here are bundled.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';
import type { PanelAdapter, PanelExample, PanelMessage, PanelRequest, PanelState } from '../src/extension/panel/panelProtocol';

declare function acquireVsCodeApi(): { postMessage(message: PanelRequest): void };

const vscode = acquireVsCodeApi();
const app = document.getElementById('app')!;
let renaming: string | undefined;
let lastState: PanelState | undefined;

interface ElementProps {
  className?: string;
  text?: string;
  title?: string;
}

function el(tag: string, props: ElementProps = {}, ...children: Node[]): HTMLElement {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  for (const child of children) node.append(child);
  return node;
}

function button(label: string, onClick: () => void, options: { secondary?: boolean; title?: string } = {}): HTMLElement {
  const b = el('vscode-button', { text: label, title: options.title });
  if (options.secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', onClick);
  return b;
}

function section(title: string, count: number | undefined, ...content: Node[]): HTMLElement {
  const heading = el('h2', { text: title });
  if (count !== undefined) heading.append(' ', el('vscode-badge', { text: String(count) }));
  return el('section', {}, heading, ...content);
}

function swatch(color: string): HTMLElement {
  const s = el('span', { className: 'swatch' });
  s.style.backgroundColor = color;
  return s;
}

/** The sentence with labelled spans as coloured marks and rejected spans struck through. */
function sentence(example: PanelExample, colors: Map<string, string>): HTMLElement {
  const out = el('p', { className: 'sentence' });
  const marks = [
    ...example.spans.map((s) => ({ start: s.start, end: s.end, label: s.label as string | undefined })),
    ...example.rejected.map((r) => ({ start: r.start, end: r.end, label: undefined })),
  ].sort((a, b) => a.start - b.start);
  let at = 0;
  for (const m of marks) {
    if (m.start < at) continue; // overlaps are not expected; never draw text twice
    out.append(example.text.slice(at, m.start));
    if (m.label === undefined) {
      out.append(el('s', { className: 'rejected', text: example.text.slice(m.start, m.end), title: 'rejected: not an entity here' }));
    } else {
      const mark = el('mark', { text: example.text.slice(m.start, m.end), title: m.label });
      const color = colors.get(m.label) ?? 'var(--vscode-editor-findMatchHighlightBackground)';
      mark.style.borderColor = color;
      mark.style.setProperty('--type-color', color);
      mark.append(el('sub', { text: m.label }));
      out.append(mark);
    }
    at = m.end;
  }
  out.append(example.text.slice(at));
  return out;
}

function renderTypes(state: PanelState): HTMLElement {
  if (state.types.length === 0) {
    return section('Types', 0, el('p', { className: 'muted', text: 'No support examples yet: select a span in a document and run "BANER: Label as Support Example".' }));
  }
  const list = el('ul', { className: 'types' });
  for (const t of state.types) list.append(el('li', {}, swatch(t.color), el('span', { className: 'type-label', text: t.label }), el('span', { className: 'muted', text: ` ${t.count} mention${t.count === 1 ? '' : 's'}` })));
  return section('Types', state.types.length, list);
}

function renderExamples(state: PanelState): HTMLElement {
  if (state.examples.length === 0) return section('Examples', 0, el('p', { className: 'muted', text: 'Labelled sentences appear here.' }));
  const colors = new Map(state.types.map((t) => [t.label, t.color]));
  const list = el('ol', { className: 'examples' });
  for (const example of state.examples) {
    const actions = el('div', { className: 'actions' });
    if (example.source) {
      const link = el('a', { text: example.source.path, title: 'Open the sentence in its file', className: 'source' });
      link.setAttribute('href', '#');
      link.addEventListener('click', (e) => {
        e.preventDefault();
        vscode.postMessage({ type: 'reveal', index: example.index });
      });
      actions.append(link);
    }
    actions.append(button('Remove', () => vscode.postMessage({ type: 'removeExample', index: example.index }), { secondary: true, title: 'Remove this sentence from the support set' }));
    list.append(el('li', {}, sentence(example, colors), actions));
  }
  return section('Examples', state.examples.length, list);
}

function renderAdapter(adapter: PanelAdapter): HTMLElement {
  const row = el('tr', adapter.active ? { className: 'active' } : {});
  const name = el('td');
  if (renaming === adapter.name) {
    const field = el('vscode-textfield') as HTMLElement & { value: string };
    field.setAttribute('value', adapter.name);
    field.setAttribute('aria-label', 'New name');
    const ok = () => {
      const value = (field.value ?? '').trim();
      renaming = undefined;
      if (value && value !== adapter.name) vscode.postMessage({ type: 'rename', name: adapter.name, newName: value });
      else if (lastState) render(lastState);
    };
    field.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') ok();
      if ((e as KeyboardEvent).key === 'Escape') {
        renaming = undefined;
        if (lastState) render(lastState);
      }
    });
    name.append(field, button('OK', ok));
  } else {
    name.append(el('strong', { text: adapter.name }));
    if (adapter.active) name.append(' ', el('vscode-badge', { text: 'active' }));
  }
  const f1 = adapter.supportF1 === undefined ? '–' : `${(adapter.supportF1 * 100).toFixed(1)}%`;
  const actions = el('td', { className: 'actions' });
  if (!adapter.active) actions.append(button('Activate', () => vscode.postMessage({ type: 'activate', name: adapter.name })));
  actions.append(
    button('Rename', () => {
      renaming = adapter.name;
      if (lastState) render(lastState);
    }, { secondary: true }),
    button('Delete', () => vscode.postMessage({ type: 'delete', name: adapter.name }), { secondary: true }),
  );
  row.append(
    name,
    el('td', { text: adapter.types.join(', ') }),
    el('td', { text: `${adapter.supportSentences} / ${adapter.supportMentions}` }),
    el('td', { text: f1, title: adapter.supportF1 === undefined ? 'needs labels in two or more sentences' : 'micro F1 on the support set, each sentence typed by the prototypes of the others' }),
    el('td', { text: adapter.baseModel }),
    el('td', { text: adapter.created ? new Date(adapter.created).toLocaleString() : '' }),
    actions,
  );
  return row;
}

function renderAdapters(state: PanelState): HTMLElement {
  const tools = el(
    'div',
    { className: 'toolbar' },
    button('Adapt to this domain', () => vscode.postMessage({ type: 'adapt' }), { title: 'Train an adapter on the support set' }),
    button('Use base model', () => vscode.postMessage({ type: 'activate', name: null }), { secondary: true }),
  );
  if (state.adapting) {
    const bar = el('vscode-progress-bar');
    bar.setAttribute('value', String(state.adapting.percent));
    bar.setAttribute('max', '100');
    tools.append(el('div', { className: 'progress' }, el('span', { text: `Adapting: ${state.adapting.phase} ${state.adapting.percent}%` }), bar));
  }
  if (state.adapters.length === 0) return section('Adapters', 0, tools, el('p', { className: 'muted', text: 'No adapters in this workspace yet: label a few spans, then adapt.' }));
  const head = el('tr');
  for (const h of ['Adapter', 'Types', 'Sentences / mentions', 'Support F1 (leave-one-out)', 'Base model', 'Created', '']) head.append(el('th', { text: h }));
  const body = el('tbody');
  for (const a of state.adapters) body.append(renderAdapter(a));
  return section('Adapters', state.adapters.length, tools, el('table', { className: 'adapters' }, el('thead', {}, head), body));
}

function render(state: PanelState): void {
  lastState = state;
  const header = el(
    'header',
    {},
    el('h1', { text: 'Support set & adapters' }),
    el('p', { className: 'muted', text: `Model ${state.model.id} on ${state.model.provider}${state.model.activeAdapter ? `, adapter ${state.model.activeAdapter}` : ', no adapter'}` }),
  );
  const error = document.getElementById('error');
  app.replaceChildren(header, ...(error ? [error] : []), renderTypes(state), el('vscode-divider'), renderExamples(state), el('vscode-divider'), renderAdapters(state));
}

function showError(message: string): void {
  document.getElementById('error')?.remove();
  const box = el('div', { className: 'error', text: message });
  box.id = 'error';
  box.setAttribute('role', 'alert');
  app.prepend(box);
  setTimeout(() => box.remove(), 8000);
}

window.addEventListener('message', (event: MessageEvent<PanelMessage>) => {
  const message = event.data;
  if (message.type === 'state') render(message.state);
  else if (message.type === 'error') showError(message.message);
});

vscode.postMessage({ type: 'ready' });
