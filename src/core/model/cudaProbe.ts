// Whether onnxruntime-node can run on CUDA on this machine, and if not, why. The binding's
// `listSupportedBackends()` says "cuda: not bundled" as a constant of the build, whatever the machine holds, so
// the only true answer comes from creating a session with the CUDA execution provider and running it once.
// ORT's error for several different causes is the same "Failed to load shared library" (the details go to
// stderr), so what is on disk is looked at too, to tell the user which part is missing.
import * as ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { OnnxGraphBuilder } from '../onnx/graphBuilder';

export type CudaFailure = 'unsupported-platform' | 'no-provider' | 'no-cuda-libraries' | 'no-driver' | 'out-of-memory' | 'other';

export type CudaProbe = { available: true } | { available: false; failure: CudaFailure; reason: string };

/** What is on disk, to tell one cause of a failed CUDA session from another. */
export interface CudaFacts {
  /** `${process.platform}/${process.arch}`; onnxruntime-node has a CUDA provider for linux/x64 only. */
  platform: string;
  /** The provider libraries that onnxruntime-node's install script downloads (they are not in the npm package). */
  providerLibraries: boolean;
  /** An NVIDIA kernel driver is loaded (Linux: /proc/driver/nvidia; WSL 2: /dev/dxg). */
  driver: boolean;
}

/** The files the CUDA execution provider is loaded from, beside onnxruntime-node's binding. */
export const CUDA_PROVIDER_LIBRARIES = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

/** Where the binding loads its execution providers from: onnxruntime-node's bin/napi-v6/<platform>/<arch>. */
export function ortBinaryDir(): string {
  return join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
}

export function cudaFacts(): CudaFacts {
  let providerLibraries = false;
  try {
    const dir = ortBinaryDir();
    providerLibraries = CUDA_PROVIDER_LIBRARIES.every((file) => existsSync(join(dir, file)));
  } catch {
    // onnxruntime-node not resolvable from here: then there is no provider to find either.
  }
  return {
    platform: `${process.platform}/${process.arch}`,
    providerLibraries,
    driver: ['/proc/driver/nvidia/version', '/dev/dxg'].some((path) => existsSync(path)),
  };
}

const OUT_OF_MEMORY = /out of memory|CUDA_ERROR_OUT_OF_MEMORY|cudaErrorMemoryAllocation|Failed to allocate memory/i;
const OLD_DRIVER = /driver version is insufficient|cudaErrorInsufficientDriver/i;
const NO_DEVICE = /no CUDA-capable device|cudaErrorNoDevice|CUDA_ERROR_NO_DEVICE/i;
const LIBRARY_NOT_LOADED = /Failed to load (shared )?library|cannot open shared object file|lib(cudart|cublas|cublasLt|cudnn|cufft|curand)\S*\.so/i;

/** A short, true reason for the user, from ORT's error message and what is on disk. */
export function explainCudaFailure(message: string, facts: CudaFacts): { failure: CudaFailure; reason: string } {
  if (facts.platform !== 'linux/x64') {
    return { failure: 'unsupported-platform', reason: `onnxruntime-node has a CUDA provider for Linux x64 only (this is ${facts.platform})` };
  }
  if (!facts.providerLibraries) {
    return { failure: 'no-provider', reason: "onnxruntime-node's CUDA provider libraries are not installed (no libonnxruntime_providers_cuda.so)" };
  }
  if (OUT_OF_MEMORY.test(message)) return { failure: 'out-of-memory', reason: 'the GPU is out of memory' };
  if (OLD_DRIVER.test(message)) return { failure: 'no-driver', reason: 'the NVIDIA driver is too old for CUDA 12' };
  if (NO_DEVICE.test(message)) return { failure: 'no-driver', reason: 'no CUDA-capable GPU was found' };
  if (LIBRARY_NOT_LOADED.test(message)) {
    return {
      failure: 'no-cuda-libraries',
      reason: `the CUDA provider is installed, but the CUDA 12 and cuDNN 9 libraries it needs (libcudart, libcublas, libcudnn) could not be loaded${facts.driver ? '' : ', and no NVIDIA driver was found'}`,
    };
  }
  if (!facts.driver) return { failure: 'no-driver', reason: 'no NVIDIA driver was found' };
  return { failure: 'other', reason: `a CUDA session could not be created: ${firstLine(message)}` };
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? message;
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

/** y = x W with W 4x4: small, but it runs a real kernel (cuBLAS) on the device, not only the provider's setup. */
function probeGraph(): Uint8Array {
  const graph = new OnnxGraphBuilder('cuda-probe');
  graph.input('x', 'float', [1, 4]);
  const w = graph.initializer('w', Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)), [4, 4]);
  graph.node('MatMul', ['x', w], ['y']);
  graph.output('y', 'float', [1, 4]);
  return graph.toBytes();
}

/** Creates and runs one tiny session with the CUDA execution provider only (no CPU fallback to hide a failure). */
export async function tryCuda(facts: () => CudaFacts = cudaFacts): Promise<CudaProbe> {
  try {
    const session = await ort.InferenceSession.create(probeGraph(), { executionProviders: ['cuda'] });
    try {
      await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]) });
    } finally {
      await session.release();
    }
    return { available: true };
  } catch (error) {
    return { available: false, ...explainCudaFailure(error instanceof Error ? error.message : String(error), facts()) };
  }
}

let cached: Promise<CudaProbe> | undefined;

/**
 * The probe's answer, once per process: what is installed does not change while it runs. A lack of GPU memory
 * can pass, so that answer is not kept.
 */
export function probeCuda(): Promise<CudaProbe> {
  // Without the provider files (or off Linux x64) a session could only fail, and onnxruntime would print its
  // error on stderr in every process (the CLI included): the files say it already.
  if (!cached) {
    const facts = cudaFacts();
    if (facts.platform !== 'linux/x64' || !facts.providerLibraries) cached = Promise.resolve({ available: false, ...explainCudaFailure('', facts) });
  }
  const probe = (cached ??= tryCuda());
  void probe.then((answer) => {
    if (!answer.available && answer.failure === 'out-of-memory' && cached === probe) cached = undefined;
  });
  return probe;
}
