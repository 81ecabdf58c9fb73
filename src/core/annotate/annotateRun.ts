// An annotation run: documents in, one output line per document (annotationStore.ts), through a pool of model
// workers (modelPool.ts). Documents the ledger has as finished, unchanged since, are skipped (resumed); the rest
// go to the workers, a few per worker at a time so that none waits for the next document, and each is written
// the moment it is done. Progress after every document; an AbortSignal stops the run within a moment: the
// documents in flight are dropped (a later run does them), everything written stays. A worker that dies costs its
// documents one more try on a fresh worker.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { tokenize } from '../text/tokenize';
import { CancelledError } from '../cancellation';
import { withFileLock } from '../io/fileLock';
import { ENTITIES_SUFFIX, readDocument, type DocumentRef } from './documentFiles';
import { AnnotationStore, type AnnotationSettings, type OpenReport, type OutputLayout } from './annotationStore';
import { WorkerStoppedError, type DocumentHighlighter } from './modelPool';

export interface AnnotateOptions {
  documents: readonly DocumentRef[];
  layout: OutputLayout;
  /** one-file: the output file. */
  output?: string;
  ledger: string;
  settings: AnnotationSettings;
  /** Starts the workers; called only when some document needs annotating. The run disposes what it returns. */
  startPool: () => Promise<DocumentHighlighter>;
  signal?: AbortSignal;
  /** Forget the earlier runs into this output and annotate everything. */
  restart?: boolean;
  onProgress?: (progress: AnnotateProgress) => void;
  /** Documents handed to each worker at once (default 2: one runs, the next waits in the worker's queue). */
  perWorker?: number;
}

export interface AnnotateProgress {
  /** checking: the ledger against the documents; loading: the model workers start; annotating; done. */
  phase: 'checking' | 'loading' | 'annotating' | 'done';
  /** All documents of the run, resumed ones included. */
  total: number;
  /** Finished by an earlier run and unchanged since. */
  resumed: number;
  /** Annotated by this run. */
  annotated: number;
  /** Not text (binary, not UTF-8, empty, too large, gone): listed in the result. */
  skipped: number;
  failed: number;
  /** Tokens (BANER's tokenizer) and entities of the documents annotated by this run. */
  tokens: number;
  entities: number;
  /** Since the workers were ready. */
  seconds: number;
  documentsPerSecond: number;
  tokensPerSecond: number;
  /** From the bytes left and the bytes per second so far; undefined before the first document. */
  etaSeconds?: number;
}

export interface AnnotateResult extends AnnotateProgress {
  cancelled: boolean;
  skippedFiles: Array<{ path: string; reason: string }>;
  failedFiles: Array<{ path: string; message: string }>;
  /** What opening the ledger mended (lines of documents in flight when an earlier run was killed...). */
  opened: OpenReport;
  /** Documents whose text changed since an earlier run annotated them: annotated again, their old line removed. */
  changed: number;
  /** Workers the run used (0 when everything was resumed). */
  workers: number;
}

/** Locks are taken over when their holder is gone (a killed run); a live holder is another run of the same output. */
const LOCK = { staleMs: 7 * 24 * 3600_000, timeoutMs: 500 };

/** Where a document's line goes in the next-to-inputs layout. */
export function besideOutputPath(document: DocumentRef): string {
  return document.path + ENTITIES_SUFFIX;
}

export async function annotateDocuments(options: AnnotateOptions): Promise<AnnotateResult> {
  mkdirSync(dirname(options.ledger), { recursive: true });
  return withFileLock(`${options.ledger}.lock`, () => run(options), LOCK);
}

async function run(options: AnnotateOptions): Promise<AnnotateResult> {
  const { documents, layout, settings, signal } = options;
  const progress: AnnotateProgress = {
    phase: 'checking',
    total: documents.length,
    resumed: 0,
    annotated: 0,
    skipped: 0,
    failed: 0,
    tokens: 0,
    entities: 0,
    seconds: 0,
    documentsPerSecond: 0,
    tokensPerSecond: 0,
  };
  const report = (): void => options.onProgress?.({ ...progress });
  report();
  const { store, report: opened } = await AnnotationStore.open({ layout, output: options.output, ledger: options.ledger, settings, restart: options.restart });
  const skippedFiles: AnnotateResult['skippedFiles'] = [];
  const failedFiles: AnnotateResult['failedFiles'] = [];
  let pool: DocumentHighlighter | undefined;
  let changed = 0;
  const finish = (cancelled: boolean): AnnotateResult => {
    progress.phase = 'done';
    report();
    return { ...progress, cancelled, skippedFiles, failedFiles, opened, changed, workers: pool?.workers ?? 0 };
  };
  try {
    // What is done already: the ledger's record, the same size and time (or the same text), and its output there.
    const todo: DocumentRef[] = [];
    const stale = new Set<string>();
    for (const document of documents) {
      if (signal?.aborted) return finish(true);
      const record = store.record(document.name);
      if (!record) {
        todo.push(document);
        continue;
      }
      const outputThere = layout === 'one-file' || existsSync(besideOutputPath(document));
      if (outputThere && record.size === document.size) {
        if (record.mtimeMs === document.mtimeMs) {
          progress.resumed++;
          continue;
        }
        const read = await readDocument(document);
        if ('text' in read && read.sha256 === record.sha256) {
          progress.resumed++;
          continue;
        }
      }
      stale.add(document.name);
      todo.push(document);
    }
    changed = stale.size;
    await store.forget(stale);
    report();
    if (todo.length === 0) return finish(false);

    progress.phase = 'loading';
    report();
    pool = await options.startPool();
    if (signal?.aborted) return finish(true);
    progress.phase = 'annotating';
    const started = performance.now();
    let bytesLeft = todo.reduce((n, d) => n + d.size, 0);
    let bytesDone = 0;
    const update = (): void => {
      progress.seconds = (performance.now() - started) / 1000;
      progress.documentsPerSecond = progress.seconds > 0 ? progress.annotated / progress.seconds : 0;
      progress.tokensPerSecond = progress.seconds > 0 ? progress.tokens / progress.seconds : 0;
      progress.etaSeconds = bytesDone > 0 ? bytesLeft / (bytesDone / progress.seconds) : undefined;
      report();
    };
    update();

    // The run's own signal: the caller's, or a failure to write (no point annotating what cannot be kept).
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let fatal: unknown;
    const queue = [...todo];
    const annotateOne = async (document: DocumentRef): Promise<void> => {
      const read = await readDocument(document);
      if (!('text' in read)) {
        skippedFiles.push({ path: document.name, reason: read.skipped });
        progress.skipped++;
        bytesLeft -= document.size;
        return;
      }
      const tokens = tokenize(read.text).length;
      let entities;
      for (let attempt = 1; ; attempt++) {
        try {
          entities = await pool!.highlight(read.text, settings.threshold, stop.signal);
          break;
        } catch (error) {
          // A worker that died (out of memory on a huge document?) gets the document once more, on a fresh worker.
          if (error instanceof WorkerStoppedError && attempt < 2 && !stop.signal.aborted) continue;
          throw error;
        }
      }
      // Answered just as the run was cancelled: kept all the same (only a failed write stops all writing).
      if (fatal) return;
      const { size, mtimeMs, sha256 } = read;
      try {
        await store.add({ path: document.name, size, mtimeMs, sha256 }, entities, layout === 'next-to-inputs' ? besideOutputPath(document) : undefined);
      } catch (error) {
        fatal ??= error;
        stop.abort();
        return;
      }
      progress.annotated++;
      progress.tokens += tokens;
      progress.entities += entities.length;
      bytesDone += document.size;
      bytesLeft -= document.size;
      update();
    };
    const lane = async (): Promise<void> => {
      for (let document = queue.shift(); document && !stop.signal.aborted; document = queue.shift()) {
        try {
          await annotateOne(document);
        } catch (error) {
          if (error instanceof CancelledError || stop.signal.aborted) return;
          failedFiles.push({ path: document.name, message: error instanceof Error ? error.message : String(error) });
          progress.failed++;
          bytesLeft -= document.size;
          update();
        }
      }
    };
    try {
      const lanes = Math.max(1, pool.workers * (options.perWorker ?? 2));
      await Promise.all(Array.from({ length: Math.min(lanes, todo.length) }, lane));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (fatal) throw fatal;
    update();
    return finish(signal?.aborted === true);
  } finally {
    await store.close();
    await pool?.dispose();
  }
}
