// Environment libtensorflow reads when it loads, set before tfjs-node is imported unless the user set it already.
// Values chosen by measurement (docs/benchmarks.md, "Native backend"): TF_CPP_MIN_LOG_LEVEL=2 keeps load-time
// notices off stderr.

export const NATIVE_ENV: Readonly<Record<string, string>> = Object.freeze({
  TF_CPP_MIN_LOG_LEVEL: '2',
});

/** Fill in NATIVE_ENV where `env` has no value of its own. */
export function applyNativeEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const [k, v] of Object.entries(NATIVE_ENV)) if (env[k] === undefined || env[k] === '') env[k] = v;
}
