// What inference and training run on, on this machine, and why (issue 12): the model loaded with each
// `baner.backend` value and TensorFlow.js started with each `baner.trainingBackend` value, through the same code
// the extension uses (real CUDA probe, real module loader). For each training backend that starts, the median
// time of a LoRA-style training step (frozen 256x256, trainable 256x8 and 8x256, batch 64, Adam).
//   node --import tsx scripts/compute-devices.ts [--steps 30]
import * as tf from '@tensorflow/tfjs-core';
import { NerEngine } from '../src/core/engine';
import { cnnModelDir } from '../src/core/model/modelDirectory';
import type { ExecutionPreference } from '../src/core/model/onnxSessions';
import { cudaFacts, tryCuda } from '../src/core/model/cudaProbe';
import { initTf, TRAINING_BACKENDS, type TrainingBackendPreference } from '../src/core/model/tfBackend';

const stepsAt = process.argv.indexOf('--steps');
const steps = stepsAt >= 0 ? Number(process.argv[stepsAt + 1]) : 30;

const WARM_UP = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Milliseconds per step, median of `steps` after 10 warm-up steps. */
async function loraStepMs(): Promise<number> {
  const frozen = tf.randomNormal([256, 256], 0, 0.05);
  const a = tf.variable(tf.randomNormal([256, 8], 0, 0.05));
  const b = tf.variable(tf.zeros([8, 256]));
  const x = tf.randomNormal([64, 256]);
  const target = tf.randomNormal([64, 256]);
  const optimizer = tf.train.adam(1e-3);
  const times: number[] = [];
  for (let i = 0; i < steps + WARM_UP; i++) {
    const started = performance.now();
    const loss = optimizer.minimize(() => tf.losses.meanSquaredError(target, tf.add(tf.matMul(x, frozen), tf.matMul(tf.matMul(x, a), b))), true, [a, b]);
    await loss?.data();
    loss?.dispose();
    if (i >= WARM_UP) times.push(performance.now() - started);
  }
  tf.dispose([frozen, a, b, x, target]);
  optimizer.dispose();
  return median(times);
}

async function main(): Promise<void> {
  console.log(`machine: ${process.platform}/${process.arch}; CUDA facts: ${JSON.stringify(cudaFacts())}`);
  console.log('\ninference (onnxruntime-node, models/cnn), by baner.backend:');
  // 'cpu' first, so that onnxruntime's start-up is not counted in the others' load times.
  for (const preference of ['cpu', 'auto', 'cuda'] as ExecutionPreference[]) {
    const started = performance.now();
    try {
      const engine = await NerEngine.load(cnnModelDir(), { threads: 1, preference });
      const ms = performance.now() - started;
      console.log(`  ${preference}: ${engine.execution.provider.toUpperCase()} (${engine.execution.reason}); loaded in ${ms.toFixed(0)} ms`);
      await engine.dispose();
    } catch (error) {
      console.log(`  ${preference}: the model did not load: ${(error as Error).message}`);
    }
  }
  const probeStarted = performance.now();
  const probe = await tryCuda();
  console.log(`  one more CUDA probe (what 'auto' adds to a model's first load in a process): ${(performance.now() - probeStarted).toFixed(1)} ms, ${JSON.stringify(probe)}`);
  console.log(`\ntraining (TensorFlow.js), by baner.trainingBackend; LoRA-style step, median of ${steps}:`);
  for (const preference of ['auto', ...TRAINING_BACKENDS] as TrainingBackendPreference[]) {
    try {
      const choice = await initTf(preference);
      const notUsed = choice.passedOver.map((p) => `${p.backend}: ${p.reason}`).join('; ');
      console.log(`  ${preference}: ${choice.backend} on the ${choice.device} (${choice.reason}${notUsed ? `; not used: ${notUsed}` : ''}); ${(await loraStepMs()).toFixed(2)} ms/step`);
    } catch (error) {
      console.log(`  ${preference}: error: ${(error as Error).message}`);
    }
  }
}

void main();
