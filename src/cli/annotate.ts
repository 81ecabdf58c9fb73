// `baner annotate GLOB... --out FILE | --next-to-inputs`: the entities of many documents through a pool of model
// workers (every core busy), written as each document finishes, with a progress bar; a second run resumes where
// the first stopped (core/annotate). Ctrl+C stops after the documents being written: run again to go on.
import { resolve } from 'node:path';
import { annotateDocuments, type AnnotateResult } from '../core/annotate/annotateRun';
import { annotationSettings } from '../core/annotate/annotationSettings';
import { AnnotationStoreError } from '../core/annotate/annotationStore';
import { LEDGER_SUFFIX, listDocuments, NoDocumentsError } from '../core/annotate/documentFiles';
import { ModelPool, poolSize } from '../core/annotate/modelPool';
import { LockTimeoutError } from '../core/io/fileLock';
import { numberFlag, parseArgs, printable, probabilityFlag, stringFlag, UsageError } from './args';
import { AnnotateProgressBar, formatDuration } from './annotateProgress';
import { modelFlag } from './modelFlag';
import { spawnModelWorker } from './modelWorkerThread';
import { refuseFolder } from './outputPaths';

export const ANNOTATE_USAGE = 'baner annotate GLOB... --out FILE|--next-to-inputs [--model DIR] [--workers N] [--threshold X] [--restart] [--progress]';

/** The ledger of the next-to-inputs layout, under the working directory. */
export const NEXT_TO_INPUTS_LEDGER = `.baner/annotate${LEDGER_SUFFIX}`;

/** The editor's default baner.confidenceThreshold: the entities a user sees highlighted. */
const DEFAULT_THRESHOLD = 0.5;

export async function annotateCommand(argv: string[]): Promise<void> {
  const args = parseArgs(argv, ['out', 'model', 'workers', 'threshold'], ['next-to-inputs', 'restart', 'progress']);
  const out = stringFlag(args, 'out');
  const nextToInputs = args.flags.has('next-to-inputs');
  if (args.positional.length === 0 || (out === undefined) === !nextToInputs) {
    throw new UsageError(`${out !== undefined && nextToInputs ? '--out and --next-to-inputs exclude each other' : 'name the documents and where to write'}; usage: ${ANNOTATE_USAGE}`);
  }
  if (out !== undefined) refuseFolder(out);
  const threshold = probabilityFlag(args, 'threshold', DEFAULT_THRESHOLD);
  const workersFlag = stringFlag(args, 'workers') === undefined ? undefined : numberFlag(args, 'workers', 0);
  if (workersFlag !== undefined && !(Number.isInteger(workersFlag) && workersFlag >= 1 && workersFlag <= 64)) {
    throw new UsageError(`--workers must be a whole number from 1 to 64, got ${printable(String(stringFlag(args, 'workers')))}`);
  }
  const modelDir = modelFlag(args);
  const output = out === undefined ? undefined : resolve(out);
  const ledger = output ? output + LEDGER_SUFFIX : resolve(NEXT_TO_INPUTS_LEDGER);

  let documents;
  try {
    documents = await listDocuments(args.positional, { exclude: output ? [output, ledger] : [ledger] });
  } catch (error) {
    if (error instanceof NoDocumentsError) throw new UsageError(error.message);
    throw error;
  }
  if (documents.length === 0) throw new UsageError(`no documents in ${args.positional.map(printable).join(', ')}`);
  let settings;
  try {
    settings = annotationSettings(modelDir, null, threshold);
  } catch (error) {
    throw new UsageError(`cannot use the model ${printable(modelDir)}: ${(error as Error).message}`);
  }

  const bar = AnnotateProgressBar.create(args.flags.has('progress'));
  // Ctrl+C: stop after the documents being written (they are kept); a second Ctrl+C ends at once.
  const stop = new AbortController();
  const onInterrupt = () => {
    if (stop.signal.aborted) process.exit(130);
    stop.abort();
    bar?.end();
    process.stderr.write('annotate: stopping (Ctrl+C again ends at once); run the same command again to go on\n');
  };
  process.on('SIGINT', onInterrupt);
  const size = poolSize(undefined, workersFlag);
  let result: AnnotateResult;
  try {
    result = await annotateDocuments({
      documents,
      layout: output ? 'one-file' : 'next-to-inputs',
      output,
      ledger,
      settings,
      restart: args.flags.has('restart'),
      signal: stop.signal,
      startPool: () => ModelPool.start({ spawn: spawnModelWorker, modelDir, size }),
      onProgress: (p) => bar?.update(p),
    });
  } catch (error) {
    if (error instanceof AnnotationStoreError) throw new UsageError(`${error.message}; --restart starts over`);
    if (error instanceof LockTimeoutError) throw new UsageError(`another annotation run is writing there: ${error.message}`);
    throw error;
  } finally {
    process.off('SIGINT', onInterrupt);
    bar?.end();
  }
  for (const { path, reason } of result.skippedFiles) console.error(`skipped ${printable(path)}: ${printable(reason)}`);
  for (const { path, message } of result.failedFiles) console.error(`failed ${printable(path)}: ${printable(message)}`);
  console.error(summary(result, out ?? 'INPUT.entities.jsonl next to each input'));
  if (result.cancelled) process.exitCode = 130;
  else if (result.failed > 0) process.exitCode = 1;
}

function summary(r: AnnotateResult, where: string): string {
  const parts = [`${r.annotated} annotated${r.changed > 0 ? ` (${r.changed} changed since the last run)` : ''}`];
  if (r.resumed > 0) parts.push(`${r.resumed} done before`);
  if (r.skipped > 0) parts.push(`${r.skipped} skipped`);
  if (r.failed > 0) parts.push(`${r.failed} failed`);
  const rates = r.annotated > 0 ? `; ${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s, ${r.documentsPerSecond.toFixed(1)} documents/s with ${r.workers} worker${r.workers === 1 ? '' : 's'} in ${formatDuration(r.seconds)}` : '';
  const mended = r.opened.droppedBytes > 0 || r.opened.droppedRecords > 0 ? '; what the last run left unfinished was removed and redone' : '';
  const state = r.cancelled ? 'stopped: run the same command again to go on' : 'done';
  return `${r.total} documents: ${parts.join(', ')}, ${r.entities} entities found -> ${printable(where)}${rates}; ${state}${mended}`;
}
