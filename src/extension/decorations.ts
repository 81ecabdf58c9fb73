// One decoration type per entity type, in a colour that depends only on the label, unless the user chose one
// (`baner.typeColors`); a changed choice redraws the highlights at once.
import * as vscode from 'vscode';
import type { Entity } from '../worker/protocol';
import { SECTION } from './config';
import { hexToRgb, parseTypeColours, type Rgb } from '../core/types/typeColours';

/** The setting holding the user's colours, TYPE -> #rrggbb. */
export const TYPE_COLOURS_SETTING = 'typeColors';

/**
 * Hues that stay distinguishable on light and dark backgrounds: [r, g, b]. The order is arbitrary but
 * fixed; it puts CoNLL's PER, LOC, ORG and MISC on blue, green, orange and purple.
 */
const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [70, 153, 144], // teal
  [154, 99, 36], // brown
  [66, 190, 230], // cyan
  [128, 128, 0], // olive
  [60, 180, 75], // green
  [240, 50, 230], // magenta
  [245, 130, 49], // orange
  [67, 99, 216], // blue
  [191, 159, 0], // ochre
  [230, 25, 75], // red
  [100, 116, 139], // slate
  [145, 30, 180], // purple
];

/** FNV-1a with a murmur3 finaliser: the same label gets the same colour in every session and on every machine. */
export function paletteIndex(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % PALETTE.length;
}

/** The user's colours, parsed, and the setting's value they were parsed from (as JSON). */
let chosen: { from: string; colours: Map<string, Rgb> } | undefined;
const coloursChanged = new vscode.EventEmitter<void>();

/** The user's colours now: parsed again only when the setting's value changed. */
function chosenColours(): Map<string, Rgb> {
  const value = vscode.workspace.getConfiguration(SECTION).get<unknown>(TYPE_COLOURS_SETTING);
  const from = JSON.stringify(value ?? null);
  if (chosen?.from !== from) {
    const { colours } = parseTypeColours(value);
    chosen = { from, colours: new Map([...colours].map(([type, hex]) => [type, hexToRgb(hex)])) };
  }
  return chosen.colours;
}

/** The colour of a label: the user's choice, else the palette's. */
function rgbOf(label: string): Rgb {
  return chosenColours().get(label) ?? PALETTE[paletteIndex(label)];
}

function toHex(rgb: Rgb): string {
  return '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('');
}

function rgba(label: string, alpha: number): string {
  const [r, g, b] = rgbOf(label);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/**
 * A translucent fill with a solid border of the type's colour. Label-less: no `after` text in the
 * editor (the type and confidence are in the hover), so entities never shift the text around them.
 */
function decorationFor(label: string): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    borderWidth: '1px',
    borderStyle: 'solid',
    borderRadius: '3px',
    overviewRulerColor: rgba(label, 0.8),
    overviewRulerLane: vscode.OverviewRulerLane.Right,
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    light: { backgroundColor: rgba(label, 0.18), borderColor: rgba(label, 0.85) },
    dark: { backgroundColor: rgba(label, 0.3), borderColor: rgba(label, 0.9) },
  });
}

export class EntityDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  /** What each editor shows, to draw it again in new colours. */
  private readonly shown = new Map<vscode.TextEditor, readonly Entity[]>();
  private readonly subscription: vscode.Disposable;
  /** The user's colours changed (`baner.typeColors`): whatever caches a type's colour draws it again. */
  static readonly onDidChangeColours = coloursChanged.event;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(`${SECTION}.${TYPE_COLOURS_SETTING}`)) return;
      this.redraw();
      coloursChanged.fire();
    });
  }

  /** Draws every highlight again with new decoration types (the colours of a decoration type are fixed). */
  private redraw(): void {
    for (const type of this.types.values()) type.dispose(); // removes their decorations from every editor
    this.types.clear();
    const visible = new Set(vscode.window.visibleTextEditors);
    for (const [editor, entities] of [...this.shown]) {
      if (visible.has(editor)) this.apply(editor, entities);
      else this.shown.delete(editor);
    }
  }

  /** Shows `entities` in `editor`, replacing what this class drew there before. */
  apply(editor: vscode.TextEditor, entities: readonly Entity[]): void {
    this.shown.set(editor, entities);
    if (this.shown.size > 32) {
      const visible = new Set(vscode.window.visibleTextEditors);
      for (const e of this.shown.keys()) if (!visible.has(e)) this.shown.delete(e);
    }
    const byLabel = new Map<string, vscode.Range[]>();
    for (const label of this.types.keys()) byLabel.set(label, []);
    const document = editor.document;
    for (const e of entities) {
      let ranges = byLabel.get(e.label);
      if (!ranges) byLabel.set(e.label, (ranges = []));
      ranges.push(new vscode.Range(document.positionAt(e.start), document.positionAt(e.end)));
    }
    for (const [label, ranges] of byLabel) editor.setDecorations(this.typeFor(label), ranges);
  }

  clear(editor: vscode.TextEditor): void {
    this.shown.delete(editor);
    for (const type of this.types.values()) editor.setDecorations(type, []);
  }

  /** The colour of a label as CSS, for hovers and legends. */
  static colour(label: string): string {
    return rgba(label, 1);
  }

  /** The colour as #rrggbb (what markdown hovers and tooltips accept in a style). */
  static hex(label: string): string {
    return toHex(rgbOf(label));
  }

  /** The palette's colour of a label as #rrggbb, whatever the user chose. */
  static paletteHex(label: string): string {
    return toHex(PALETTE[paletteIndex(label)]);
  }

  private typeFor(label: string): vscode.TextEditorDecorationType {
    let type = this.types.get(label);
    if (!type) this.types.set(label, (type = decorationFor(label)));
    return type;
  }

  dispose(): void {
    this.subscription.dispose();
    for (const type of this.types.values()) type.dispose();
    this.types.clear();
    this.shown.clear();
  }
}
