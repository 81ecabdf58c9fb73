// Messages between the extension host and the model worker. Everything crossing the seam is plain data.
import type { Entity } from '../core/engine';
import type { ExecutionPreference } from '../core/model/onnxSessions';
import type { SupportExample } from '../core/support/supportFile';
import type { NearestMention } from '../core/support/nearestSupport';
import type { RankedSentence } from '../core/active/rankText';
import type { TypeQuality } from '../core/support/leaveOneOut';

export type { Entity, NearestMention, RankedSentence, TypeQuality };

/** Host -> worker. Requests are answered in the order they arrive. */
export type WorkerRequest =
  /** Load (or switch to) the model in `modelDir`; answered by `ready` or by an `error` without id. */
  | { type: 'load'; modelDir: string; threads?: number; preference?: ExecutionPreference }
  /** Entities of `text` scoring at least `threshold`; answered by `result` or `error` with the same id. */
  | { type: 'highlight'; id: number; text: string; threshold: number }
  /** Use the adapter in `dir` (null: the base model); answered by `adapter` or `error` with the same id. */
  | { type: 'adapter'; id: number; dir: string | null }
  /** The support set the hover's nearest examples come from (replaces the previous one; no answer). */
  | { type: 'support'; examples: SupportExample[] }
  /** The support mention of `label` nearest to [start, end) of `sentence`; answered by `nearest` or `error`. */
  | { type: 'nearest'; id: number; sentence: string; start: number; end: number; label: string }
  /** The sentences of `text` with how useful labelling each would be; answered by `ranked` or `error`. */
  | { type: 'rank'; id: number; text: string }
  /** Leave-one-out quality of each type of `examples`; answered by `typeQuality` or `error`. */
  | { type: 'typeQuality'; id: number; examples: SupportExample[] }
  /** Drop request `id` if it has not finished: answered by `cancelled` when it was dropped, else by its usual answer. */
  | { type: 'cancel'; id: number };

/** The requests with an id that the worker answers once each, in the order they arrive. */
export type AnsweredRequest = Extract<WorkerRequest, { type: 'highlight' | 'adapter' | 'nearest' | 'rank' | 'typeQuality' }>;

export interface ModelReady {
  model: string;
  modelDir: string;
  provider: string;
  /** Why a faster execution provider is not used (or that it is). */
  providerReason: string;
  labels: string[];
  loadMs: number;
  /** Name of the adapter in use, if any. */
  adapter?: string;
  /** The model encodes a paragraph's sentences together: highlight whole paragraphs to get what the full pass gets. */
  documentContext?: boolean;
}

/** Worker -> host. */
export type WorkerEvent =
  | ({ type: 'ready' } & ModelReady)
  | { type: 'result'; id: number; entities: Entity[]; elapsedMs: number }
  | { type: 'adapter'; id: number; adapter: string | null; labels: string[] }
  | { type: 'nearest'; id: number; mention: NearestMention | null }
  | { type: 'ranked'; id: number; sentences: RankedSentence[] }
  | { type: 'typeQuality'; id: number; quality: Record<string, TypeQuality> }
  /** Request `id` was dropped after its cancel: the worker has moved on (the host's watchdog waits for this). */
  | { type: 'cancelled'; id: number }
  /** A failed request (with its id) or a failed load (without). */
  | { type: 'error'; id?: number; message: string }
  | { type: 'progress'; id: number; phase: 'highlight'; step: number; total: number };
