// `npm run package -- --gpu`: the VSIX carries onnxruntime-node's CUDA provider only when built with --gpu, and
// --gpu without the provider in node_modules (as on this machine) fails at once with how to get it. No VSIX is
// built here (test/package does that): these check the file list and the failure, which come before vsce runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const BIN = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64';
const providerHere = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'].every((f) => existsSync(join(REPO, BIN, f)));

async function packaging(): Promise<{ binaryIncludes: (target: string, options?: { gpu?: boolean; files?: string[] }) => string[]; CUDA_PROVIDER_FILES: string[] }> {
  return import('../../scripts/package-vsix.mjs');
}

test('without --gpu the VSIX carries the CPU build only', async () => {
  const { binaryIncludes } = await packaging();
  const lines = binaryIncludes('linux-x64');
  assert.ok(lines.includes(`!${BIN}/onnxruntime_binding.node`));
  assert.ok(lines.includes(`!${BIN}/libonnxruntime.so.1`));
  assert.deepEqual(
    lines.filter((l) => l.includes('providers')),
    [],
    'no execution provider library, even where node_modules has them',
  );
});

test('--gpu is for linux-x64 only', async () => {
  const { binaryIncludes } = await packaging();
  assert.throws(() => binaryIncludes('darwin-arm64', { gpu: true }), /--gpu: onnxruntime-node has a CUDA execution provider for linux-x64 only, not darwin-arm64/);
});

test('--gpu with the CUDA provider in node_modules adds it (not TensorRT); without --gpu it stays out', async () => {
  const { binaryIncludes, CUDA_PROVIDER_FILES } = await packaging();
  // What the folder holds after onnxruntime-node's CUDA download (stood for here, where it is absent).
  const files = ['libonnxruntime.so.1', 'onnxruntime_binding.node', ...CUDA_PROVIDER_FILES, 'libonnxruntime_providers_tensorrt.so'];
  assert.deepEqual(
    binaryIncludes('linux-x64', { gpu: true, files }),
    ['libonnxruntime.so.1', 'onnxruntime_binding.node', 'libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'].map((f) => `!${BIN}/${f}`),
  );
  assert.deepEqual(binaryIncludes('linux-x64', { files }), ['libonnxruntime.so.1', 'onnxruntime_binding.node'].map((f) => `!${BIN}/${f}`));
  if (providerHere) for (const file of CUDA_PROVIDER_FILES) assert.ok(binaryIncludes('linux-x64', { gpu: true }).includes(`!${BIN}/${file}`));
});

test('--gpu without the CUDA provider fails before packaging and says how to get it', { skip: providerHere && 'the CUDA provider is installed here' }, async () => {
  const run = spawnSync(process.execPath, [join(REPO, 'scripts/package-vsix.mjs'), '--gpu'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(run.status, 1);
  const version = JSON.parse(readFileSync(join(REPO, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version;
  assert.equal(
    run.stderr.trim(),
    `package-vsix: --gpu needs onnxruntime-node's CUDA provider libraries in ${BIN}, and libonnxruntime_providers_cuda.so, libonnxruntime_providers_shared.so are not there ` +
      '(onnxruntime-node was installed with ONNXRUNTIME_NODE_INSTALL=skip, or its download failed). They are not in the npm package: its install script ' +
      'downloads them (CUDA 12 build) from NuGet. On a machine that can reach api.nuget.org run `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` ' +
      `(or \`npm install onnxruntime-node@${version} --onnxruntime-node-install=cuda12\`), then package again.`,
  );
  assert.equal(run.stdout, '', 'vsce never ran');
});

test("the install flag the message gives is the one onnxruntime-node's install script reads", () => {
  const script = join(REPO, 'node_modules/onnxruntime-node/script');
  assert.match(readFileSync(join(script, 'install.js'), 'utf8'), /--onnxruntime-node-install=cuda12\s+Force install the CUDA EP binaries for CUDA 12/);
  assert.match(readFileSync(join(script, 'install-utils.js'), 'utf8'), /process\.env\.ONNXRUNTIME_NODE_INSTALL \|\| process\.env\.npm_config_onnxruntime_node_install/);
  assert.match(readFileSync(join(script, 'install-metadata.js'), 'utf8'), /'linux\/x64': \['cuda12'\]/);
});
