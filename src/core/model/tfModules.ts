// How the TensorFlow.js backend packages are loaded. The wasm backend is bundled (importing it registers it).
// The native ones (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node) are not dependencies, since their install
// downloads libtensorflow and fails where that host cannot be reached; they are looked up when asked for, with
// Node's require, from this file's folder upwards (in the extension: dist/, then the extension's and its
// parents' node_modules). That require is made with createRequire, which no bundler follows, so any bundle of
// this file (the extension's, a test's, a benchmark's) leaves them to run time: a missing one is an error
// caught here, never a build error. scripts/build-extension.mjs also lists them as external.
import { createRequire } from 'node:module';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';

/** Returns the module of a package name, or throws (as `require` does) when it is missing or fails to load. */
export type ModuleLoader = (name: string) => unknown;

const runTimeRequire = createRequire(__filename);

const LOADERS: Record<string, () => unknown> = {
  '@tensorflow/tfjs-backend-wasm': () => wasmBackend,
  '@tensorflow/tfjs-node-gpu': () => runTimeRequire('@tensorflow/tfjs-node-gpu'),
  '@tensorflow/tfjs-node': () => runTimeRequire('@tensorflow/tfjs-node'),
};

export const loadTfModule: ModuleLoader = (name) => {
  const load = LOADERS[name];
  if (!load) throw new Error(`${name} is not a TensorFlow.js backend package BANER knows`);
  return load();
};
