// One decoration type per entity type, in a colour that depends only on the label.
import * as vscode from 'vscode';
import type { Entity } from '../worker/protocol';

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

function rgba(label: string, alpha: number): string {
  const [r, g, b] = PALETTE[paletteIndex(label)];
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

  /** Shows `entities` in `editor`, replacing what this class drew there before. */
  apply(editor: vscode.TextEditor, entities: readonly Entity[]): void {
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
    for (const type of this.types.values()) editor.setDecorations(type, []);
  }

  /** The colour of a label as CSS, for hovers and legends. */
  static colour(label: string): string {
    return rgba(label, 1);
  }

  /** The colour as #rrggbb (what markdown hovers and tooltips accept in a style). */
  static hex(label: string): string {
    return '#' + PALETTE[paletteIndex(label)].map((c) => c.toString(16).padStart(2, '0')).join('');
  }

  private typeFor(label: string): vscode.TextEditorDecorationType {
    let type = this.types.get(label);
    if (!type) this.types.set(label, (type = decorationFor(label)));
    return type;
  }

  dispose(): void {
    for (const type of this.types.values()) type.dispose();
    this.types.clear();
  }
}
