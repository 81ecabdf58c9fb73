// The worker threads as the extension ships them: bundled from the current src/ with esbuild, the options of
// scripts/build-extension.mjs, into bench-results/.build/ (git-ignored; dist/ is left alone). onnxruntime-node
// stays external and resolves from the repository's node_modules, as it does in the packaged extension.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { BUILD_DIR, ROOT } from './common';

const ENTRIES = {
  modelWorker: 'src/worker/modelWorker.ts',
  adaptWorker: 'src/worker/adaptWorker.ts',
} as const;

const built = new Map<string, string>();

/** Path of the bundled worker (built once per process). */
export async function bundledWorker(name: keyof typeof ENTRIES): Promise<string> {
  const done = built.get(name);
  if (done) return done;
  mkdirSync(BUILD_DIR, { recursive: true });
  const outfile = join(BUILD_DIR, `${name}.js`);
  await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRIES[name]],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'onnxruntime-node'],
    sourcemap: false,
    minify: true,
    logLevel: 'warning',
  });
  if (name === 'adaptWorker') {
    // The TensorFlow.js wasm backend loads its .wasm files from beside the bundle.
    const wasmDir = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
    for (const file of readdirSync(wasmDir)) if (file.endsWith('.wasm')) copyFileSync(join(wasmDir, file), join(BUILD_DIR, file));
  }
  built.set(name, outfile);
  return outfile;
}
