// Writes MODEL_CARD.md of a transformer model folder from its manifest.json, so the card never disagrees with it.
//   node --import tsx scripts/transformer/model-card.ts models/transformer
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../src/core/io/atomicWrite';

interface Scores {
  precision: number;
  recall: number;
  f1: number;
  span_f1: number;
}
interface Epoch {
  epoch: number;
  trainSeconds: number;
  piecesPerSecond: number;
  selection: number;
  dev: Record<string, { f1: number; span_f1: number }>;
}

const dir = resolve(process.argv[2] ?? 'models/transformer');
const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const a = m.architecture;
const { stageA, stageB } = m.training;
const hpA = m.hyperParameters.stageA ?? {};
const hpB = m.hyperParameters.stageB;
const ev = m.evaluation ?? {};
const f = (x: number | undefined) => (typeof x === 'number' ? x.toFixed(2) : 'n/a');
const row = (name: string, s?: Scores) => (s ? `| ${name} | ${f(s.precision)} | ${f(s.recall)} | ${f(s.f1)} | ${f(s.span_f1)} |` : `| ${name} | n/a | n/a | n/a | n/a |`);
const epochs = (stage: string, history: Epoch[] = []) =>
  history.map((h) => `| ${stage} | ${h.epoch} | ${Math.round(h.trainSeconds)} | ${h.piecesPerSecond} | ${Object.entries(h.dev).map(([d, s]) => `${d} ${f(s.f1)}`).join(', ')} | ${f(h.selection)} |`).join('\n');
const int8 = (m.runtime?.int8MatMul ?? []) as string[];
const harmonise = m.postprocessing?.oneTypePerName;
const q = ev.quantisation;
const adapted = m.adaptation.adaptLayers > 0 ? `the heads and the top ${m.adaptation.adaptLayers} transformer layer(s)' attention and feed-forward projections` : 'the heads';

const card = `# Model card: ${m.id}

The default model of BANER for VS Code: a BANER-inspired two-stage NER model on a fine-tuned transformer, built by
\`${m.training.command}\` on ${m.created.slice(0, 10)} (${Math.round(m.training.seconds / 60)} minutes of fine-tuning in
PyTorch on 2 CPU cores; the editor runs it with onnxruntime-node and adapts it with TensorFlow.js).

## What it is
- **Pretrained encoder**: ${m.pretrained.description}; licence ${m.pretrained.license} (\`LICENSE-weights.txt\`), taken from the
  registry package \`${JSON.stringify(m.pretrained.source)}\` at build time. Nothing is downloaded when the model runs.
- **Pieces**: ${a.pieces}.
- **Stage 1 (span detection, type-agnostic)**: ${a.stage1}. The whole encoder is fine-tuned. The encoder is uncased, so
  ${a.wordFlags} word-shape flags (capitalisation, digits, punctuation, ...) go to the heads beside each word's state.
  Trained with cross-entropy plus BANER's boundary-aware contrastive loss (weight ${hpB.contrastiveWeight}, on encoder
  layer ${((hpB.contrastiveLayer % a.layers) + a.layers) % a.layers} of 0..${a.layers - 1}, tau ${hpB.contrastiveTau}; the weight was chosen by a sweep on dev, docs/BENCHMARKS.md).
- **Stage 2 (typing)**: ${a.stage2}. Trained as a cosine classifier (scale ${a.typeScale}) per source domain over that
  domain's own types, so the span embedding space separates about 40 fine-grained types, not only CoNLL's four.
  The model's own types are ${m.labels.join(', ')}, typed by ${m.typing === 'prototypes' ? 'prototypes of the CoNLL train spans' : 'the trained type head'} (chosen on dev).
- **In the editor**: ${int8.length > 0 ? `the encoder's ${int8.join(', ')} products run in int8 (weights per output column, activations per piece, so a sentence's scores do not depend on its batch)` : 'float32 products'}${harmonise?.enabled ? `; a name repeated in a document gets one type unless a mention is at least ${harmonise.keepAbove} sure of another` : ''} (both chosen on CoNLL dev).
- **Adaptation**: LoRA (rank 8) on ${adapted}; the hub in \`adapters/\` holds one LoRA per source domain, composed by
  LoRAHub (${m.adaptation.lorahubTargets.join(', ')}). Adapt chooses between prototypes only and a LoRA fine-tuned on
  the support set on held-out folds of the support set; LoRAHub scored below prototypes on held-out data and is
  not a candidate by default (docs/BENCHMARKS.md, 0.4).

## How it differs from the BANER paper
BANER fine-tunes LLaMA-2-7B with LoRA; this is a ${a.layers}-layer, ${a.hiddenDims}-wide encoder that runs on a laptop CPU.
The two stages, the boundary-aware contrastive loss, prototypes and LoRAHub follow the paper. The type head trained per
source domain, the word-shape flags, the non-entity prototype and the held-out choice of the adaptation are this project's.

## Data
- Stage A: ${(stageA?.domains ?? []).join(', ') || 'none'} (CoNLL-2003 eng.train), ${hpA.epochs ?? '?'} epochs, encoder lr ${hpA.encoderLearningRate ?? '?'}.
- Stage B, continued from stage A: ${m.data.train.join(', ')} (train splits only; a sample of ${hpB.newsLimit} news sentences
  against forgetting, the CrossNER splits repeated ${hpB.domainRepeat}x), ${hpB.epochs} epochs, encoder lr ${hpB.encoderLearningRate}.
${m.training.soup ? `- Soup: the shipped weights are ${m.training.soup.alpha} x stage A + ${(1 - m.training.soup.alpha).toFixed(2)} x stage B, averaged after training
  (no further training; docs/BENCHMARKS.md 0.7): the news-only stage A keeps CoNLL accuracy, stage B the other domains.\n` : ''}- Selected on: ${m.data.selection.join(', ')} (stage B scores the first ${hpB.devLimit} sentences of each).${m.data.excluded.length > 0 ? `\n- Left out (a held-out-domain model for the few-shot benchmark): ${m.data.excluded.join(', ')}.` : ''}
- Never trained on: WNUT-17, or any test split.

## Training
| stage | epoch | seconds | pieces/s | dev F1 per domain | selection |
|---|---|---|---|---|---|
${epochs('A', stageA?.history)}
${epochs('B', stageB.history)}

## Evaluation (\`npx baner eval --model models/transformer --test ...\`, onnxruntime, the settings above)
| CoNLL-2003 | precision | recall | F1 | span F1 |
|---|---|---|---|---|
${row('dev (eng.testa)', ev.chosen?.dev)}
${row('test (eng.testb)', ev.chosen?.test)}
${ev.test ? row('test, without one type per name', ev.test.oneTypePerNameOff) : ''}

Type-agnostic span F1 on the CrossNER dev splits: ${Object.entries(ev.crossnerDevSpanF1 ?? {}).map(([d, x]) => `${d} ${f(x as number)}`).join(', ')}.
${q ? `\nStorage: ${q.storage}; CoNLL dev F1 float32 ${f(q.floatDevF1)} vs int8 ${f(q.int8DevF1)} (loss ${f(q.devF1Loss)}; int8 ${q.kept ? 'kept' : 'rejected'}).` : ''}
Few-shot results and their commands: docs/BENCHMARKS.md.
`;
writeFileAtomic(join(dir, 'MODEL_CARD.md'), card);
console.log(`wrote ${join(dir, 'MODEL_CARD.md')}`);
