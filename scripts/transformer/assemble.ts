// The shipped folder of a trained transformer model: int8 weights (the large matrices; small vectors stay
// float), the tokenizer, types, the manifest (how it was built, from what, with which settings) and the
// weights' licence. Also leaves the dequantised weights as float32 in the run folder: the hub's adapters
// are trained on exactly what ships.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWeights, saveWeights } from '../../src/core/model/weightsFile';
import { writeFileAtomic } from '../../src/core/io/atomicWrite';
import { DEFAULT_TRANSFORMER_ADAPTATION } from '../../src/core/transformer/transformerAdaptModel';
import { ENCODERS, type EncoderName } from './pretrained';
import { SOURCES } from './prepare-data';

/** Matrices stored as int8: every 2-D weight of the encoder and heads (the bulk of the bytes). */
export function quantised(name: string, shape: number[]): boolean {
  return shape.length === 2 && shape[0] * shape[1] >= 4096 && name !== 'emb.pos';
}

const LICENSES: Record<string, (copyright: string) => string> = {
  MIT: (copyright) =>
    [
      'MIT License',
      '',
      copyright,
      '',
      'Permission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the "Software"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:',
      '',
      'The above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.',
      '',
      'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.',
      '',
    ].join('\n'),
  'Apache-2.0': (copyright) => `${copyright}\n\nLicensed under the Apache License, Version 2.0 (https://www.apache.org/licenses/LICENSE-2.0).\n`,
};

export interface AssembleOptions {
  encoder: EncoderName;
  run: string;
  out: string;
  pretrainedDir: string;
  exclude: string;
}

export function assembleModel(o: AssembleOptions): void {
  const training = JSON.parse(readFileSync(join(o.run, 'training.json'), 'utf8'));
  const types = JSON.parse(readFileSync(join(o.run, 'types.json'), 'utf8'));
  const encoder = ENCODERS[o.encoder];
  mkdirSync(o.out, { recursive: true });
  const float = loadWeights(join(o.run, 'weights.bin'));
  saveWeights(join(o.out, 'weights.bin'), float, { int8: quantised });
  // What ships, as float32 again: the reference the hub adapters are trained against.
  saveWeights(join(o.run, 'shipped-float.bin'), loadWeights(join(o.out, 'weights.bin')));
  copyFileSync(join(o.pretrainedDir, encoder.tokenizer), join(o.out, 'tokenizer.json'));
  writeFileAtomic(join(o.out, 'types.json'), JSON.stringify(types));
  writeFileAtomic(
    join(o.out, 'LICENSE-weights.txt'),
    `The pretrained encoder inside weights.bin is ${encoder.description}, licensed ${encoder.license}; BANER fine-tuned it (see manifest.json).\n\n` +
      LICENSES[encoder.license](encoder.copyright),
  );
  const { config, hyperParameters, history, bestSelection, seconds, excluded, domains, soup } = training;
  // Stage B continues a stage A run (news only): its settings and history belong to how the model was built.
  const stageA = training.init ? JSON.parse(readFileSync(join(training.init, 'training.json'), 'utf8')) : undefined;
  const suffix = o.exclude ? `-without-${o.exclude.replace(/,/g, '-')}` : '';
  const manifest = {
    id: `baner-transformer-${o.encoder}${suffix}`,
    created: new Date().toISOString(),
    family: 'transformer',
    weightsFile: 'weights.bin',
    tokenizer: 'tokenizer.json',
    architecture: {
      family: 'transformer',
      vocabSize: config.vocabSize,
      hiddenDims: config.hiddenDims,
      maxPositions: config.maxPositions,
      layers: config.layers,
      heads: config.heads,
      ffnDims: config.ffnDims,
      layerNormEps: config.layerNormEps,
      wordFlags: config.wordFlags,
      headDims: config.headDims,
      spanDims: config.spanDims,
      spanTags: config.spanTags,
      typeScale: config.typeScale,
      pieces: 'the pretrained WordPiece tokenizer (tokenizer.json), each word encoded alone, at most 8 pieces per word; windows of 254 pieces',
      stage1: "type-agnostic BIOES tags from [first-piece state | word flags] -> dense -> one kernel-3 convolution; Viterbi over valid transitions",
      stage2: 'span embedding = L2norm(W [g_start | g_end | mean g] + b), g = [transformer state | head state]; cosine to class vectors',
    },
    adaptation: DEFAULT_TRANSFORMER_ADAPTATION,
    labels: types.labels,
    typing: types.typing,
    pretrained: { encoder: o.encoder, source: encoder.source, description: encoder.description, license: encoder.license },
    hyperParameters: { stageA: stageA?.hyperParameters, stageB: hyperParameters },
    data: {
      train: SOURCES.filter((s) => s.split === 'train' && domains.includes(s.domain)).map((s) => s.file),
      selection: SOURCES.filter((s) => s.split === 'dev' && domains.includes(s.domain)).map((s) => s.file),
      excluded,
    },
    training: {
      command: `npm run train:model -- --encoder ${o.encoder}${o.exclude ? ` --exclude ${o.exclude}` : ''}`,
      seconds: seconds + (stageA?.seconds ?? 0),
      stageA: stageA && { domains: stageA.domains, hyperParameters: stageA.hyperParameters, seconds: stageA.seconds, history: stageA.history, bestSelection: stageA.bestSelection },
      stageB: { domains, seconds, bestSelection, history },
      // The shipped weights average stage A and stage B (scripts/transformer/soup.py), when the build made a soup.
      ...(soup ? { soup: { alpha: soup.alpha, note: soup.note } } : {}),
    },
    files: ['weights.bin', 'tokenizer.json', 'types.json', 'LICENSE-weights.txt'],
    // Trained with document context: the editor packs neighbouring sentences into encoder inputs of this size.
    ...(hyperParameters.packPieces > 0 ? { runtime: { documentContextPieces: hyperParameters.packPieces } } : {}),
  };
  writeFileAtomic(join(o.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}
