// What the native-backend postinstall fetches and how long it waits: the one place to change the TensorFlow version.

export const NATIVE = Object.freeze({
  /** The pip requirement whose libtensorflow the binding links (the 2.9-era binding runs on it, docs/native-backend.md). */
  wheel: 'tensorflow-cpu==2.21.0',
  /** Set to 0 to skip the build (a quick install that runs on wasm). */
  buildEnv: 'WXSTREAM_NATIVE_BUILD',
  /** Longest any one step (pip download, unpack, compile, load check) may take. */
  stepTimeoutMs: 10 * 60_000,
});
