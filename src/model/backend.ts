// Chooses the tfjs backend once per process: `auto` takes tfjs-node (libtensorflow) when its binding loads, else
// wasm (saying why in one log line), else cpu; an explicit choice that cannot start is an error naming it.
import * as tf from '@tensorflow/tfjs';
import { log } from '../log.js';
import { BACKEND_CHOICES, noteBackend, type BackendChoice, type BackendName } from './backend-name.js';
import { applyNativeEnv } from './native-env.js';

export { BACKEND_CHOICES, type BackendChoice, type BackendName } from './backend-name.js';

/** An explicitly chosen backend could not start; `message` is one sentence for the user. */
export class BackendUnavailableError extends Error {
  readonly code = 'WX_BACKEND_UNAVAILABLE';
}

let chosen: Promise<BackendName> | undefined;

/**
 * Initialise tfjs and return the backend that runs. Idempotent: the first call's choice holds for the process.
 *
 * @example
 *   const backend = await initBackend('auto'); // 'tensorflow' where npm ci built tfjs-node, else 'wasm'
 * @param choice default: WXSTREAM_BACKEND, else 'auto'
 * @throws BackendUnavailableError when an explicit choice cannot start
 */
export function initBackend(choice: BackendChoice = backendFromEnv()): Promise<BackendName> {
  chosen ??= pick(choice);
  return chosen;
}

/**
 * WXSTREAM_BACKEND, checked.
 * @throws RangeError naming the variable when it is not one of BACKEND_CHOICES
 */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendChoice {
  const v = env.WXSTREAM_BACKEND;
  if (v === undefined || v === '') return 'auto';
  if (!(BACKEND_CHOICES as readonly string[]).includes(v)) {
    throw new RangeError(`WXSTREAM_BACKEND must be one of ${BACKEND_CHOICES.join(', ')}; got "${v}"`);
  }
  return v as BackendChoice;
}

/** Why a backend did not start, in a few words: the first line of the error (tfjs-node's are paragraphs). */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  if (/Cannot find (package|module) '@tensorflow\/tfjs-node'/.test(text)) return '@tensorflow/tfjs-node is not installed';
  if (/tfjs_binding\.node\) can not be found/.test(text)) {
    return "tfjs-node's binding is not built (npm ci builds it from pip's tensorflow-cpu wheel; see node_modules/.cache/wxstream-native/install.log)";
  }
  return text.split('\n')[0]!.slice(0, 300);
}

async function start(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    applyNativeEnv();
    // Optional dependency, built by the postinstall: absent or unbuilt wherever the wheel or a compiler is missing.
    const mod = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ mod);
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not set backend ${name}`);
  await tf.ready();
  if (name === 'tensorflow') await readyWasmTwin();
}

/**
 * Initialise wasm beside tensorflow, then switch back: mid-size live batches run faster on a wasm twin of the
 * weights (kernel-router.ts). Without it they stay on tensorflow, slower but right, so a failure is only logged.
 */
async function readyWasmTwin(): Promise<void> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    if (await tf.setBackend('wasm')) await tf.ready();
  } catch (err) {
    log.debug({ err: String(err) }, 'wasm beside tensorflow unavailable: mid-size live batches run on tensorflow');
  }
  await tf.setBackend('tensorflow');
}

async function pick(choice: BackendChoice): Promise<BackendName> {
  if (choice !== 'auto') {
    try {
      await start(choice);
    } catch (err) {
      throw new BackendUnavailableError(`backend "${choice}" (option "backend", WXSTREAM_BACKEND) cannot start: ${reason(err)}`);
    }
    return ready(choice, []);
  }
  const order: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
  const failed: string[] = [];
  for (const name of order) {
    try {
      await start(name);
      return ready(name, failed);
    } catch (err) {
      failed.push(`${name} unavailable (${reason(err)})`);
    }
  }
  throw new BackendUnavailableError(`no tfjs backend could start: ${failed.join('; ')}`);
}

/** One log line either way: the backend, and when `auto` fell back, why. */
function ready(name: BackendName, failed: readonly string[]): BackendName {
  noteBackend(name);
  if (failed.length === 0) log.info({ backend: name }, 'tfjs backend ready');
  else log.info({ backend: name, fallback: failed }, `tfjs backend ${name}: ${failed.join('; ')}`);
  return name;
}

/** The backend that runs now (after initBackend resolved). */
export function currentBackend(): BackendName {
  return tf.getBackend() as BackendName;
}
