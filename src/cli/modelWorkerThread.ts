// The model worker as a thread of the command line: the TypeScript source run through tsx (the CLI itself runs
// that way, bin/baner.js), so that `npx baner annotate` needs no build step.
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = resolve(__dirname, '../worker/modelWorker.ts');

export function spawnModelWorker(): Worker {
  const register = require.resolve('tsx/cjs/api');
  return new Worker(`require(${JSON.stringify(register)}).register(); require(${JSON.stringify(WORKER_SOURCE)});`, { eval: true, name: 'baner-model' });
}
