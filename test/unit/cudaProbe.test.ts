// The inference GPU path: CUDA is detected by creating a session with the CUDA execution provider, a failure is
// told to the user by its real cause, 'auto' falls back to the CPU with that cause, and a forced 'cuda' never
// runs on the CPU. On a machine without the provider (as here) the real probe answers "no provider".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { CUDA_PROVIDER_LIBRARIES, cudaFacts, explainCudaFailure, ortBinaryDir, tryCuda, type CudaFacts, type CudaProbe } from '../../src/core/model/cudaProbe';
import { chooseProvider, createSession, createSessions, CudaUnavailableError } from '../../src/core/model/onnxSessions';
import { OnnxGraphBuilder } from '../../src/core/onnx/graphBuilder';
import { NerEngine } from '../../src/core/engine';
import { cnnModelDir } from '../../src/core/model/modelDirectory';

/** Tests of what happens without the CUDA provider (as on this machine) are skipped where it is installed. */
const noProviderHere = { skip: cudaFacts().providerLibraries && 'the CUDA provider is installed here' };
const LINUX: CudaFacts = { platform: 'linux/x64', providerLibraries: true, driver: true };
/** What onnxruntime-node 1.30 throws for a CUDA session whose provider (or its CUDA libraries) cannot be loaded. */
const LOAD_FAILED = 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library';

test('a failed CUDA session is explained by its cause', () => {
  const cause = (message: string, facts: Partial<CudaFacts> = {}) => explainCudaFailure(message, { ...LINUX, ...facts });
  assert.deepEqual(cause('no available backend found. ERR: [cuda] backend not found.', { platform: 'darwin/arm64' }), {
    failure: 'unsupported-platform',
    reason: 'onnxruntime-node has a CUDA provider for Linux x64 only (this is darwin/arm64)',
  });
  // The provider files are looked for first: ORT's message is the same whichever library failed to load.
  assert.equal(cause(LOAD_FAILED, { providerLibraries: false }).failure, 'no-provider');
  assert.match(cause(LOAD_FAILED, { providerLibraries: false }).reason, /CUDA provider libraries are not installed \(no libonnxruntime_providers_cuda\.so\)/);
  const libraries = cause(LOAD_FAILED);
  assert.equal(libraries.failure, 'no-cuda-libraries');
  assert.match(libraries.reason, /provider is installed, but the CUDA 12 and cuDNN 9 libraries .* could not be loaded$/);
  assert.match(cause('libcudnn.so.9: cannot open shared object file: No such file or directory', { driver: false }).reason, /could not be loaded, and no NVIDIA driver was found$/);
  assert.deepEqual(cause('CUDA failure 2: out of memory ; GPU=0 ; hostname=x ; expr=cudaMalloc(&p, size);'), { failure: 'out-of-memory', reason: 'the GPU is out of memory' });
  assert.equal(cause('[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Failed to allocate memory for requested buffer of size 1073741824').failure, 'out-of-memory');
  assert.deepEqual(cause('CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version'), { failure: 'no-driver', reason: 'the NVIDIA driver is too old for CUDA 12' });
  assert.deepEqual(cause('CUDA failure 100: no CUDA-capable device is detected'), { failure: 'no-driver', reason: 'no CUDA-capable GPU was found' });
  assert.deepEqual(cause('some new failure', { driver: false }), { failure: 'no-driver', reason: 'no NVIDIA driver was found' });
  const other = cause(`CUDNN failure 4: CUDNN_STATUS_INTERNAL_ERROR\n${'stack line\n'.repeat(50)}`);
  assert.equal(other.failure, 'other');
  assert.equal(other.reason, 'a CUDA session could not be created: CUDNN failure 4: CUDNN_STATUS_INTERNAL_ERROR', 'one line, not the stack');
});

test('the real probe creates a CUDA session here and reports why it cannot run', async () => {
  const facts = cudaFacts();
  const probe = await tryCuda();
  if (probe.available) {
    assert.ok(facts.providerLibraries, 'CUDA ran, so the provider libraries are there');
    return;
  }
  assert.ok(probe.reason.length > 0);
  if (!facts.providerLibraries) {
    // This machine: onnxruntime-node installed with ONNXRUNTIME_NODE_INSTALL=skip, so the provider is absent.
    assert.deepEqual(probe, { available: false, failure: 'no-provider', reason: "onnxruntime-node's CUDA provider libraries are not installed (no libonnxruntime_providers_cuda.so)" });
    assert.match(ortBinaryDir(), /onnxruntime-node\/bin\/napi-v6\/linux\/x64$/);
    assert.deepEqual(CUDA_PROVIDER_LIBRARIES, ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so']);
  }
});

test("onnxruntime-node's 'cuda' does not fall back by itself: ['cuda', 'cpu'] fails without the provider", noProviderHere, async () => {
  // Why the fallback is BANER's: the binding throws for the whole session instead of using the next provider.
  await assert.rejects(ort.InferenceSession.create(identityModel(), { executionProviders: ['cuda', 'cpu'] }), /Failed to load shared library/);
});

function identityModel(): Uint8Array {
  const graph = new OnnxGraphBuilder('identity');
  graph.input('x', 'float', [2]);
  graph.node('Identity', ['x'], ['y']);
  graph.output('y', 'float', [2]);
  return graph.toBytes();
}

async function runs(session: ort.InferenceSession): Promise<void> {
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2]), [2]) });
  assert.deepEqual([...(out.y.data as Float32Array)], [1, 2]);
  await session.release();
}

const NO_PROVIDER_REASON = "onnxruntime-node's CUDA provider libraries are not installed (no libonnxruntime_providers_cuda.so)";
const NO_PROVIDER: CudaProbe = { available: false, failure: 'no-provider', reason: NO_PROVIDER_REASON };

test("'cpu' never tries CUDA", async () => {
  const choice = chooseProvider('cpu');
  await runs(await createSession(identityModel(), choice, 1, () => assert.fail('probed CUDA although the CPU was chosen')));
  assert.deepEqual({ provider: choice.provider, reason: choice.reason }, { provider: 'cpu', reason: 'the CPU was chosen in the settings' });
});

test("'auto' without CUDA runs on the CPU and says why; the probe runs once for all its sessions", async () => {
  const choice = chooseProvider('auto');
  let probes = 0;
  const probe = async () => {
    probes++;
    return NO_PROVIDER;
  };
  await runs(await createSession(identityModel(), choice, 1, probe));
  await runs(await createSession(identityModel(), choice, 1, probe));
  assert.equal(probes, 1);
  assert.equal(choice.provider, 'cpu');
  assert.equal(choice.reason, "CUDA not used: onnxruntime-node's CUDA provider libraries are not installed (no libonnxruntime_providers_cuda.so)");
});

test("'cuda' without CUDA fails with the reason and never runs on the CPU", async () => {
  const choice = chooseProvider('cuda');
  for (let i = 0; i < 2; i++) {
    await assert.rejects(createSession(identityModel(), choice, 1, async () => NO_PROVIDER), (error: unknown) => {
      assert.ok(error instanceof CudaUnavailableError);
      assert.equal(
        error.message,
        `CUDA was chosen as the backend, but it cannot be used here: onnxruntime-node's CUDA provider libraries are not installed (no libonnxruntime_providers_cuda.so). Choose "auto" to run on the CPU when CUDA is unavailable.`,
      );
      return true;
    });
  }
  assert.notEqual(choice.provider, 'cuda');
});

test("after a probe that ran on the GPU, a model whose CUDA session fails: 'auto' goes on on the CPU, 'cuda' fails", noProviderHere, async () => {
  // The probe's answer is made up; the model's CUDA session then really fails here (no provider).
  const ranOnGpu = async (): Promise<CudaProbe> => ({ available: true });
  const auto = chooseProvider('auto');
  await runs(await createSession(identityModel(), auto, 1, ranOnGpu));
  assert.equal(auto.provider, 'cpu');
  assert.match(auto.reason, /^CUDA not used: the model's session failed on the GPU \(.*Failed to load shared library\)$/);

  const forced = chooseProvider('cuda');
  await assert.rejects(createSession(identityModel(), forced, 1, ranOnGpu), /Failed to load shared library/);
  assert.equal(forced.provider, 'cuda', 'the choice still says CUDA; nothing ran on the CPU');
});

test("a model that fails on the CPU too keeps 'auto' on CUDA's answer and throws the model's error", noProviderHere, async () => {
  const auto = chooseProvider('auto');
  await assert.rejects(createSession(new Uint8Array([1, 2, 3, 4]), auto, 1, async () => ({ available: true })), (error: unknown) => !/Failed to load shared library/.test(String(error)));
  assert.equal(auto.provider, 'cuda');
});

test("the real 'auto' path on this machine: sessions made together run on the CPU with the probe's reason", noProviderHere, async () => {
  const choice = chooseProvider('auto');
  const sessions = await createSessions([identityModel, identityModel], choice, 1);
  for (const session of sessions) await runs(session);
  assert.equal(choice.provider, 'cpu');
  assert.equal(choice.reason, `CUDA not used: ${NO_PROVIDER_REASON}`);
});

test("the engine (what the model worker loads) on this machine: 'auto' on the CPU with the reason, 'cuda' refuses to load", noProviderHere, async () => {
  const engine = await NerEngine.load(cnnModelDir(), { threads: 1, preference: 'auto' });
  try {
    assert.deepEqual({ ...engine.execution }, { provider: 'cpu', reason: `CUDA not used: ${NO_PROVIDER_REASON}`, requested: 'auto' });
    assert.ok((await engine.highlight('Angela Merkel visited Paris .')).length > 0, 'and it runs');
  } finally {
    await engine.dispose();
  }
  await assert.rejects(NerEngine.load(cnnModelDir(), { threads: 1, preference: 'cuda' }), CudaUnavailableError);
});
