// One place that prepares TensorFlow.js: gradients registered, then a backend chosen before any tensor exists
// (tensors made on another backend would throw later). 'auto' takes the first that starts, fastest first:
// tfjs-node-gpu (TensorFlow's CUDA build), tfjs-node (its native CPU build), wasm (bundled, SIMD), cpu (plain
// JavaScript). The native packages are optional and often absent (tfModules.ts); each one passed over is
// named with why. A backend chosen in the settings is that backend or an error, never another one.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { loadTfModule, type ModuleLoader } from './tfModules';
import { TRAINING_BACKENDS, type TrainingBackend, type TrainingBackendChoice, type TrainingBackendPreference } from './trainingBackendChoice';

export { TRAINING_BACKENDS, type TrainingBackend, type TrainingBackendChoice, type TrainingBackendPreference };

/** A backend chosen in the settings that cannot start here. */
export class TrainingBackendUnavailableError extends Error {
  constructor(
    readonly backend: TrainingBackend,
    readonly why: string,
  ) {
    super(`the TensorFlow.js backend ${backend} was chosen, but it cannot be used here: ${why}. Choose "auto" to train on the fastest backend that works.`);
    this.name = 'TrainingBackendUnavailableError';
  }
}

/** The package that provides each backend, and the name TensorFlow.js registers it under. */
const BACKENDS: Record<TrainingBackend, { module?: string; tfName: string }> = {
  'tfjs-node-gpu': { module: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  'tfjs-node': { module: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  wasm: { module: '@tensorflow/tfjs-backend-wasm', tfName: 'wasm' },
  cpu: { tfName: 'cpu' },
};

/** What tfjs-node's backend says about its device (NodeJSKernelBackend). */
interface NativeBackend {
  isUsingGpuDevice?: boolean;
}

/**
 * Makes `preference` (or, with 'auto', the fastest that starts) the active backend. `load` returns a package's
 * module or throws; tests pass their own to stand for packages that are missing or broken.
 */
export async function initTf(preference: TrainingBackendPreference = 'auto', load: ModuleLoader = loadTfModule): Promise<TrainingBackendChoice> {
  // Bundlers drop the package's self-registration (it declares no side effects), so register the last resort here.
  if (!tf.findBackendFactory('cpu')) tf.registerBackend('cpu', () => new MathBackendCPU(), 1);
  if (preference !== 'auto') {
    const why = await start(preference, load);
    if (why) throw new TrainingBackendUnavailableError(preference, why);
    return { backend: preference, device: deviceOf(preference), reason: 'chosen in the settings', passedOver: [] };
  }
  const passedOver: TrainingBackendChoice['passedOver'] = [];
  for (const backend of TRAINING_BACKENDS) {
    // tfjs-node-gpu without a GPU still runs TensorFlow's native CPU kernels: used, and said so, since loading
    // tfjs-node beside it would put a second libtensorflow in the process.
    const why = await start(backend, load, backend === 'tfjs-node-gpu' ? 'accept-cpu' : 'strict');
    if (why === undefined) {
      const device = deviceOf(backend);
      const reason =
        backend === 'tfjs-node-gpu' && device === 'CPU'
          ? 'the fastest that started, but TensorFlow found no CUDA GPU (it needs CUDA 11.2 and cuDNN 8.1), so it runs on the CPU'
          : passedOver.length === 0
            ? 'the fastest backend'
            : 'the fastest that started';
      return { backend, device, reason, passedOver };
    }
    passedOver.push({ backend, reason: why });
  }
  throw new Error(`no TensorFlow.js backend started: ${passedOver.map((p) => `${p.backend}: ${p.reason}`).join('; ')}`);
}

/** Loads the backend's package and makes it active; resolves undefined when it is active, or why it is not. */
async function start(backend: TrainingBackend, load: ModuleLoader, gpu: 'strict' | 'accept-cpu' = 'strict'): Promise<string | undefined> {
  const { module, tfName } = BACKENDS[backend];
  if (module) {
    try {
      load(module);
    } catch (error) {
      return whyNotLoaded(module, error);
    }
  }
  if (!tf.findBackendFactory(tfName)) return `${module ?? backend} loaded, but registered no "${tfName}" backend with this TensorFlow.js (a different @tensorflow/tfjs-core version?)`;
  let started: boolean;
  try {
    started = await tf.setBackend(tfName);
  } catch (error) {
    return `its backend did not start: ${firstLine(error)}`;
  }
  // TensorFlow.js logs the error of a backend that fails to initialise, and answers only false.
  if (!started) return 'its backend did not start (TensorFlow.js logged the error)';
  await tf.ready();
  if (backend === 'tfjs-node-gpu' && gpu === 'strict' && deviceOf(backend) === 'CPU') return 'loaded, but TensorFlow found no CUDA GPU (it needs CUDA 11.2 and cuDNN 8.1)';
  return undefined;
}

function deviceOf(backend: TrainingBackend): 'GPU' | 'CPU' {
  return backend === 'tfjs-node-gpu' && (tf.backend() as unknown as NativeBackend).isUsingGpuDevice === true ? 'GPU' : 'CPU';
}

/** "not installed" when the package itself is missing; otherwise what failed (a missing dependency, a native library). */
function whyNotLoaded(module: string, error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  const message = firstLine(error);
  if (code === 'MODULE_NOT_FOUND' && message.includes(`'${module}'`)) return `${module} is not installed`;
  return `failed to load: ${message}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}
