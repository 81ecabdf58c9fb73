// Messages between the extension host and the model worker thread. Everything crossing the seam is plain data.
import type { Entity } from '../core/engine';

export type { Entity };

/** Host -> worker. Requests are answered in the order they arrive. */
export type WorkerRequest =
  /** Load (or switch to) the model in `modelDir`; answered by `ready` or by an `error` without id. */
  | { type: 'load'; modelDir: string; threads?: number }
  /** Entities of `text` scoring at least `threshold`; answered by `result` or `error` with the same id. */
  | { type: 'highlight'; id: number; text: string; threshold: number }
  /** Drop request `id` if it has not finished; no answer follows for it. */
  | { type: 'cancel'; id: number };

/** Worker -> host. */
export type WorkerEvent =
  | { type: 'ready'; model: string; modelDir: string; provider: string; labels: string[]; loadMs: number }
  | { type: 'result'; id: number; entities: Entity[]; elapsedMs: number }
  /** A failed request (with its id) or a failed load (without). */
  | { type: 'error'; id?: number; message: string }
  | { type: 'progress'; id: number; phase: 'highlight'; step: number; total: number };
