// Plain-JS bootstrap of the training worker: first lowers this thread's CPU priority to the lowest (nice 19), so
// that everything the worker starts inherits it (tsx's loader thread and its esbuild process, which compile the
// worker on its first round, and tfjs), then registers tsx's loader inside the worker thread (execArgv loaders
// are not applied to workers on Node 20) and loads the TypeScript worker.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { register } from 'tsx/esm/api';

try {
  // Linux: niceness is per thread, and /proc/thread-self (-> "<pid>/task/<tid>") names this one.
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 19);
} catch {
  // Not Linux, or refused: rounds run at normal priority (worker.ts reports which).
}
register();
await import(new URL('./worker.ts', import.meta.url).href);
