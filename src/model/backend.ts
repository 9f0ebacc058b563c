// Chooses the tfjs backend once per process: tfjs-node when it is installed and loads, else wasm, else cpu.
import * as tf from '@tensorflow/tfjs';
import { log } from '../log.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

let chosen: Promise<BackendName> | undefined;

/**
 * Initialise tfjs and return the backend that runs. Idempotent; safe to call from every entry point.
 *
 * @example
 *   const backend = await initBackend(); // 'wasm' on a machine without libtensorflow
 * @param prefer force a backend (tests use 'cpu' or 'wasm'); default: WXSTREAM_BACKEND or best available.
 */
export function initBackend(prefer: BackendName | undefined = envBackend()): Promise<BackendName> {
  chosen ??= pick(prefer);
  return chosen;
}

function envBackend(): BackendName | undefined {
  const v = process.env.WXSTREAM_BACKEND;
  if (v === undefined || v === '') return undefined;
  if (v !== 'tensorflow' && v !== 'wasm' && v !== 'cpu') {
    throw new RangeError(`WXSTREAM_BACKEND must be one of tensorflow, wasm, cpu; got "${v}"`);
  }
  return v;
}

async function pick(prefer: BackendName | undefined): Promise<BackendName> {
  const order: BackendName[] = prefer ? [prefer] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    try {
      if (name === 'tensorflow') {
        // Optional dependency: absent wherever its libtensorflow download is impossible.
        const mod = '@tensorflow/tfjs-node';
        await import(/* @vite-ignore */ mod);
      } else if (name === 'wasm') {
        await import('@tensorflow/tfjs-backend-wasm');
      }
      if (await tf.setBackend(name)) {
        await tf.ready();
        log.info({ backend: name }, 'tfjs backend ready');
        return name;
      }
    } catch (err) {
      log.debug({ backend: name, err: String(err) }, 'tfjs backend unavailable');
    }
  }
  throw new Error(`no tfjs backend could start (tried ${order.join(', ')})`);
}

/** The backend that runs now (after initBackend resolved). */
export function currentBackend(): BackendName {
  return tf.getBackend() as BackendName;
}
