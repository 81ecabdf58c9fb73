// Section "adapt": wall time of adapting each chosen model to 1-shot and 5-shot support sets in the adapt
// worker (the bundled src/worker/adaptWorker.ts, started by the extension's own host side, runAdaptation),
// per phase from the worker's progress events, the method the adaptation chose, and the largest event-loop
// delay of this (main) thread meanwhile, a stand-in for the extension host's thread. The support sets are
// sampled from the WNUT-17 train split (used here for timing only; nothing shipped is trained on it), with the
// options the extension's adapt command passes.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConllFile } from '../../src/core/data/conll';
import { sampleSupportSet } from '../../src/core/data/episodes';
import { listAdapters, readAdapterConfig } from '../../src/core/adapters/adapterFiles';
import { runAdaptation } from '../../src/extension/adapt/adaptRunner';
import type { AdaptProgress, HeldOutChoice } from '../../src/core/adapt';
import type { LabeledSentence } from '../../src/core/types';
import { DATA_DIR, fmt, log, now, type BenchModel, type BenchModelName, type Section, type SectionContext, type SectionOutput, type TargetCheck } from './common';
import { bundledWorker } from './workers';

const SHOTS = [1, 5];
const SEED = 1;
const RESOLUTION_MS = 10;
const WNUT_TRAIN = join(DATA_DIR, 'wnut17/wnut17train.conll');
const PHASES: Array<AdaptProgress['phase'] | 'start'> = ['start', 'prepare', 'choose', 'lorahub', 'finetune', 'prototypes', 'evaluate'];
/** The phases that take the time, as the target line names them. */
const PHASE_NAMES: Array<[string, string]> = [
  ['choose', 'held-out choice'],
  ['lorahub', 'LoRAHub'],
  ['finetune', 'fine-tuning'],
  ['evaluate', 'leave-one-out'],
];

interface AdaptRun {
  model: BenchModelName;
  shots: number;
  seed: number;
  sentences: number;
  mentions: Record<string, number>;
  /** Seconds per phase: 'start' = worker start until its first progress event; a phase ends where the next begins. */
  phases: Record<string, number>;
  totalSeconds: number;
  workerSeconds: number;
  /** What method 'auto' chose (adapter.json training.chosenMethod; full@N: N fine-tuning steps), and the held-out F1 of each candidate. */
  chosenMethod: string;
  choice?: HeldOutChoice | { note: string };
  supportF1?: number;
  /** Largest event-loop delay of the main thread while adapting (perf_hooks.monitorEventLoopDelay, 10 ms resolution). */
  maxLoopDelayMs: number;
  /** Largest lateness of a 10 ms setInterval on the main thread. */
  maxTimerDriftMs: number;
  p99LoopDelayMs: number;
}

async function adaptOnce(workerPath: string, model: BenchModel, pool: LabeledSentence[], shots: number): Promise<AdaptRun> {
  const sample = sampleSupportSet(pool, shots, SEED);
  const root = mkdtempSync(join(tmpdir(), 'baner-bench-adapt-'));
  const starts = new Map<string, number>();
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let maxDrift = 0;
  let last = now();
  const timer = setInterval(() => {
    const t = now();
    maxDrift = Math.max(maxDrift, t - last - 10);
    last = t;
  }, 10);
  histogram.enable();
  const started = now();
  starts.set('start', started);
  try {
    // As the extension's adapt command: method auto, the model's types kept, the adapters folder as an extra hub
    // root (the worker adds the model's own adapters folder, when it has one).
    const result = await runAdaptation(
      workerPath,
      { modelDir: model.dir, adaptersRoot: root, support: { sentences: sample.sentences }, options: { name: `bench-${shots}shot`, method: 'auto', keepModelTypes: true }, hubRoots: [root] },
      (p) => {
        if (!starts.has(p.phase)) starts.set(p.phase, now());
      },
    );
    const ended = now();
    histogram.disable();
    clearInterval(timer);
    const training = readAdapterConfig(result.dir).training as { chosenMethod?: string; choice?: AdaptRun['choice']; supportF1?: number };
    const order = PHASES.filter((p) => starts.has(p)).sort((a, b) => starts.get(a)! - starts.get(b)!);
    const phases: Record<string, number> = {};
    order.forEach((p, i) => (phases[p] = ((i + 1 < order.length ? starts.get(order[i + 1])! : ended) - starts.get(p)!) / 1000));
    return {
      model: model.name,
      shots,
      seed: SEED,
      sentences: sample.sentences.length,
      mentions: sample.counts,
      phases,
      totalSeconds: (ended - started) / 1000,
      workerSeconds: result.seconds,
      chosenMethod: chosenLabel(training.chosenMethod, training.choice),
      choice: training.choice,
      supportF1: training.supportF1,
      // The histogram holds the intervals between its 10 ms timer's ticks: the lag is what exceeds 10 ms.
      maxLoopDelayMs: Math.max(0, histogram.max / 1e6 - RESOLUTION_MS),
      p99LoopDelayMs: Math.max(0, histogram.percentile(99) / 1e6 - RESOLUTION_MS),
      maxTimerDriftMs: maxDrift,
    };
  } finally {
    histogram.disable();
    clearInterval(timer);
    rmSync(root, { recursive: true, force: true });
  }
}

/** 'full@10' for LoRAHub + 10 fine-tuning steps (the key of the held-out scores), else the method's name. */
function chosenLabel(method: string | undefined, choice: AdaptRun['choice']): string {
  if (method === undefined) return 'unknown';
  const steps = choice && 'chosen' in choice ? choice.chosen.steps : undefined;
  return method === 'full' && steps ? `full@${steps}` : method;
}

/** The held-out F1 of each candidate of the automatic choice, e.g. "none 41.2, lorahub 40.8, full@10 43.0". */
function describeChoice(r: AdaptRun): string {
  if (!r.choice) return '';
  if (!('scores' in r.choice)) return r.choice.note;
  return Object.entries(r.choice.scores)
    .map(([k, v]) => `${k} ${fmt(v, 1)}`)
    .join(', ');
}

export const adaptation: Section = {
  name: 'adapt',
  title: 'Adaptation time per model in the adapt worker, and the main thread meanwhile',
  async run(ctx: SectionContext): Promise<SectionOutput> {
    const workerPath = await bundledWorker('adaptWorker');
    const pool = (await readConllFile(WNUT_TRAIN, { scheme: 'iob2' })).sentences;
    const runs: AdaptRun[] = [];
    for (const model of ctx.models) {
      for (const shots of SHOTS) {
        log(`adapt: ${model.name}: ${shots}-shot`);
        runs.push(await adaptOnce(workerPath, model, pool, shots));
      }
    }
    const s = (x: number | undefined) => (x === undefined ? '-' : fmt(x, 2));
    const rows = runs.map((r) => [
      r.model,
      `${r.shots}-shot (${r.sentences} sentences)`,
      s(r.phases.start),
      s(r.phases.prepare),
      s(r.phases.choose),
      s(r.phases.lorahub),
      s(r.phases.finetune),
      s(r.phases.prototypes),
      s(r.phases.evaluate),
      s(r.totalSeconds),
      r.chosenMethod,
      fmt(r.maxLoopDelayMs, 1),
      fmt(r.maxTimerDriftMs, 1),
    ]);
    const targets: TargetCheck[] = ctx.models.flatMap((model) => {
      const mine = runs.filter((r) => r.model === model.name);
      const five = mine.find((r) => r.shots === 5)!;
      const maxLag = Math.max(...mine.map((r) => Math.max(r.maxLoopDelayMs, r.maxTimerDriftMs)));
      const limit = model.targets.adapt5ShotSeconds;
      return [
        {
          target: `${model.name}: adaptation (5-shot) < ${limit} s`,
          measured: `${fmt(five.totalSeconds, 1)} s (chose ${five.chosenMethod}; ${PHASE_NAMES.filter(([p]) => five.phases[p] !== undefined).map(([p, name]) => `${name} ${fmt(five.phases[p], 1)} s`).join(', ')})`,
          met: five.totalSeconds < limit,
        },
        { target: `${model.name}: main-thread event-loop lag < 50 ms while adapting`, measured: `max ${fmt(maxLag, 1)} ms`, met: maxLag < 50 },
      ];
    });
    const hubs = ctx.models.map((m) => {
      const shipped = listAdapters(join(m.dir, 'adapters'));
      return `${m.name}: ${shipped.length > 0 ? `${shipped.length} shipped adapters (${shipped.join(', ')})` : 'no shipped adapters (no adapters folder): LoRAHub has nothing to compose'}`;
    });
    return {
      tables: [
        {
          title: `Adaptation, WNUT-17 train support sets (sampleSupportSet seed ${SEED}), method auto (held-out choice between prototypes only and a LoRA fine-tuned on the support set), seconds`,
          header: ['model', 'support set', 'worker start', 'prepare', 'choose', 'LoRAHub', 'fine-tune', 'prototypes', 'evaluate', 'total', 'chosen method', 'max event-loop delay ms', 'max 10 ms timer lateness ms'],
          rows,
          notes: [
            'phases from the worker\'s progress events: a phase runs from its first event to the next phase\'s first event; "worker start" = Worker() until the first event (bundle load, TF.js wasm init, model load); "choose" holds the k-fold held-out runs of every candidate; "evaluate" (leave-one-out on the support set) runs only when there was nothing to hold out',
            `held-out F1 per candidate: ${runs.map((r) => `${r.model} ${r.shots}-shot: ${describeChoice(r) || '-'}`).join('; ')}`,
            'event-loop lag is measured on this script\'s main thread (perf_hooks.monitorEventLoopDelay at 10 ms resolution, minus the 10 ms, and how late a 10 ms setInterval fires), a stand-in for the extension host: the host only relays the worker\'s messages, as here',
            `options as the extension's adapt command: method auto, keepModelTypes, hub = the model's own adapters folder and the (empty) adapters root; ${hubs.join('; ')}`,
          ],
        },
      ],
      data: { data: 'WNUT-17 train (wnut17train.conll)', runs },
      targets,
    };
  },
};
