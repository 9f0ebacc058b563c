// Environment libtensorflow reads when it loads, set before tfjs-node is imported unless the user set it already.
// Values chosen by measurement (bench/native-env.ts; docs/benchmarks.md, "Native backend").

export const NATIVE_ENV: Readonly<Record<string, string>> = Object.freeze({
  // Load-time notices off stderr.
  TF_CPP_MIN_LOG_LEVEL: '2',
  // oneDNN off: a training round 11.2 s instead of 17.2 s (median of 3 alternating runs; 13.2 vs 18.9 s with one
  // intra-op thread), and its notice, which TF_CPP_MIN_LOG_LEVEL does not silence, is gone.
  TF_ENABLE_ONEDNN_OPTS: '0',
  // TF_NUM_INTRAOP_THREADS stays libtensorflow's: one thread was faster for batches up to 1,000 (which a tensorflow
  // process runs on JS or wasm anyway, kernel-router.ts) but slower for rounds (18.9 vs 17.2 s) and 10,000-decodes.
});

/**
 * Load tfjs-node (with NATIVE_ENV applied) without switching backends: undefined when it loaded, else the first
 * line of why not. For tests and benchmarks that compare backends and skip where the native one is missing.
 */
export async function loadNative(): Promise<string | undefined> {
  try {
    applyNativeEnv();
    // Optional dependency, built by the postinstall: absent or unbuilt wherever the wheel or a compiler is missing.
    const mod = '@tensorflow/tfjs-node';
    await import(/* @vite-ignore */ mod);
    return undefined;
  } catch (err) {
    return String(err).split('\n')[0];
  }
}

/** Fill in NATIVE_ENV where `env` has no value of its own. */
export function applyNativeEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(NATIVE_ENV)) if (env[k] === undefined || env[k] === '') env[k] = v;
}
