// Section "annotate": Annotate Workspace / `baner annotate` throughput. The CoNLL-2003 test text split into its
// -DOCSTART- documents, one file each, annotated into one output file through the model pool (core/annotate) with
// the bundled model worker (as the extension ships it), for each model: 1 worker x 1 thread, 1 worker x 2 threads,
// 2 workers x 1 thread. Documents/s and tokens/s count from the moment the workers are ready (reading each file,
// the worker, writing its line and ledger record included); the workers' start is reported apart. The last rows'
// figure decides the pool's default (core/annotate/modelPool.ts poolSize).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { annotateDocuments, type AnnotateResult } from '../../src/core/annotate/annotateRun';
import { annotationSettings } from '../../src/core/annotate/annotationSettings';
import { listDocuments } from '../../src/core/annotate/documentFiles';
import { ModelPool, poolSize, type PoolSize } from '../../src/core/annotate/modelPool';
import { BUILD_DIR, conllTestCorpus, fmt, log, median, type BenchModelName, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';
import { bundledWorker } from './workers';

const CONFIGS: PoolSize[] = [
  { workers: 1, threadsPerWorker: 1 },
  { workers: 1, threadsPerWorker: 2 },
  { workers: 2, threadsPerWorker: 1 },
];

const THRESHOLD = 0.5;

interface ConfigResult {
  model: BenchModelName;
  size: PoolSize;
  startMs: number;
  runs: Array<Pick<AnnotateResult, 'seconds' | 'annotated' | 'tokens' | 'entities'>>;
  seconds: number;
  documentsPerSecond: number;
  tokensPerSecond: number;
}

const label = (s: PoolSize) => `${s.workers} x ${s.threadsPerWorker}`;

export const annotate: Section = {
  name: 'annotate',
  title: 'Annotate Workspace: documents/s and tokens/s through the pool of model workers',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    const corpus = await conllTestCorpus(ctx.documents);
    const workerPath = await bundledWorker('modelWorker');
    const folder = join(BUILD_DIR, 'annotate-docs');
    const outFolder = join(BUILD_DIR, 'annotate-out');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    mkdirSync(outFolder, { recursive: true });
    corpus.documentTexts.forEach((text, i) => writeFileSync(join(folder, `doc-${String(i + 1).padStart(3, '0')}.txt`), text + '\n'));
    const results: ConfigResult[] = [];
    try {
      const documents = await listDocuments([folder]);
      for (const model of ctx.models) {
        const settings = annotationSettings(model.dir, null, THRESHOLD);
        for (const size of CONFIGS) {
          const runs: ConfigResult['runs'] = [];
          const starts: number[] = [];
          for (let r = 0; r < ctx.runs; r++) {
            // Fresh workers for every run: a worker remembers the sentences it has seen (the engine's sentence cache).
            log(`annotate: ${model.name}: ${label(size)}: run ${r + 1} of ${ctx.runs}, ${documents.length} documents`);
            const t = performance.now();
            const pool = await ModelPool.start({ spawn: () => new Worker(workerPath, { name: 'baner-model' }), modelDir: model.dir, size });
            starts.push(performance.now() - t);
            const output = join(outFolder, `${model.name}-${size.workers}x${size.threadsPerWorker}.jsonl`);
            const result = await annotateDocuments({ documents, layout: 'one-file', output, ledger: `${output}.ledger.jsonl`, settings, restart: true, startPool: async () => pool });
            if (result.annotated !== documents.length) throw new Error(`${result.annotated} of ${documents.length} documents annotated (${result.failedFiles.map((f) => f.message).join('; ')})`);
            runs.push({ seconds: result.seconds, annotated: result.annotated, tokens: result.tokens, entities: result.entities });
          }
          const startMs = median(starts);
          const seconds = median(runs.map((r) => r.seconds));
          results.push({ model: model.name, size, startMs, runs, seconds, documentsPerSecond: documents.length / seconds, tokensPerSecond: runs[0].tokens / seconds });
        }
      }
    } finally {
      // Copies of the CoNLL text (research-only licence) are not left behind.
      rmSync(folder, { recursive: true, force: true });
      rmSync(outFolder, { recursive: true, force: true });
    }

    const fallback = poolSize(ctx.machine.cores);
    const rows = results.map((r) => {
      const single = results.find((x) => x.model === r.model && x.size.workers === 1 && x.size.threadsPerWorker === 1)!;
      return [
        r.model,
        label(r.size),
        fmt(r.documentsPerSecond, 1),
        fmt(r.tokensPerSecond),
        `${fmt(r.tokensPerSecond / single.tokensPerSecond, 2)}x`,
        fmt(r.seconds, 2),
        fmt(r.startMs),
        fmt(r.runs[0].entities),
        r.size.workers === fallback.workers && r.size.threadsPerWorker === fallback.threadsPerWorker ? 'default' : '',
      ];
    });
    const targets: TargetCheck[] = ctx.models.map((model) => {
      const of = (w: number, t: number) => results.find((r) => r.model === model.name && r.size.workers === w && r.size.threadsPerWorker === t)!;
      const pool = of(2, 1);
      const threads = of(1, 2);
      return {
        target: `${model.name}: 2 workers x 1 thread (the default on 2 cores) at least as fast as 1 worker x 2 threads`,
        measured: `${fmt(pool.tokensPerSecond)} vs ${fmt(threads.tokensPerSecond)} tokens/s`,
        met: pool.tokensPerSecond >= threads.tokensPerSecond,
      };
    });
    const tokens = results[0]?.runs[0].tokens ?? 0;
    return {
      tables: [
        {
          title: `Annotate: ${corpus.name}, ${corpus.documents.length} documents (one file each), ${fmt(tokens)} tokens (BANER's tokenizer), threshold ${THRESHOLD}, one output file; median of ${ctx.runs}`,
          header: ['model', 'workers x ORT threads', 'documents/s', 'tokens/s', 'vs 1 x 1', 'seconds', 'workers start ms', 'entities', ''],
          rows,
          notes: [
            'From the workers being ready to the last line written: each file read (UTF-8 check, hash), tokenised for the count, annotated by a worker (bundled dist/modelWorker.js, niced), its line appended and its ledger record written.',
            '"workers start ms": starting the threads and loading the model in each (in parallel), median; every run starts fresh workers (a worker remembers the sentences it has seen).',
            `Default pool on this machine (${ctx.machine.cores} cores): ${label(fallback)} (poolSize in src/core/annotate/modelPool.ts).`,
          ],
        },
      ],
      data: { results, threshold: THRESHOLD, documents: corpus.documents.length, tokens },
      targets,
    };
  },
};
