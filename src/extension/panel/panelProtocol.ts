// Messages between the "Support Set & Adapters" webview and the extension host. Plain data only. What the
// webview sends is checked field by field on arrival (panelRequestSchema.ts): it is a page, not trusted code.

export interface PanelSpan {
  start: number;
  end: number;
  label: string;
}

export interface PanelExample {
  /** Stable name of the example (core/support/exampleId): what the page's buttons refer to, never a position. */
  id: string;
  text: string;
  spans: PanelSpan[];
  /** Spans the user rejected: not entities in this sentence. */
  rejected: Array<{ start: number; end: number }>;
  /** The model's suggestions the user has not confirmed: shown, never trained on. */
  suggested: PanelSpan[];
  /** Where the sentence was labelled: path relative to its workspace folder (`folder`, when not the support set's),
   *  character offset in that file; `line` (1-based), when the host knows it, is shown as path:line. */
  source?: { path: string; offset: number; folder?: string; line?: number };
}

export interface PanelType {
  label: string;
  /** CSS colour of the type's highlight (the same the editor uses). */
  color: string;
  /** Labelled mentions of this type in the support set. */
  count: number;
  /** Leave-one-out F1 (0..1): its sentences typed by prototypes of the other sentences; absent when not measurable. */
  heldOutF1?: number;
  /** Why the type needs attention (fewer than 2 examples). */
  warning?: string;
}

export interface PanelAdapter {
  name: string;
  active: boolean;
  baseModel: string;
  /** ISO date. */
  created: string;
  types: string[];
  supportSentences: number;
  supportMentions: number;
  /** Micro F1 (0..1) on the support set, held out; absent when it could not be computed. */
  supportF1?: number;
  /** How it was held out (e.g. "held-out, 3 folds"). */
  supportScoreKind?: string;
  /** What the held-out choice picked: none (prototypes only), lorahub or full. */
  chosenMethod?: string;
}

export interface PanelState {
  model: { id: string; provider: string; activeAdapter?: string };
  types: PanelType[];
  examples: PanelExample[];
  /** Unconfirmed suggestions in all examples. */
  unconfirmed: number;
  adapters: PanelAdapter[];
  /** Set while an adaptation runs. */
  adapting?: { phase: string; percent: number };
}

/** Webview -> host. */
export type PanelRequest =
  | { type: 'ready' }
  | { type: 'reveal'; id: string }
  | { type: 'removeExample'; id: string }
  | { type: 'activate'; name: string | null }
  | { type: 'delete'; name: string }
  | { type: 'rename'; name: string; newName: string }
  | { type: 'adapt' };

/** Host -> webview. */
export type PanelMessage = { type: 'state'; state: PanelState } | { type: 'error'; message: string };
