// Worker-thread entry of online training: its own tfjs instance and its own SQLite connection, so a round's
// seconds of matrix work never run on the server's event loop; at the lowest CPU priority (worker-entry.mjs), so
// they do not take the server's core either when cores are scarce.
import { getPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../model/backend.js';
import { runJob, type TrainingJob } from './job.js';

if (parentPort === null) throw new Error('src/training/worker.ts must run in a worker thread');
const port = parentPort;

/** Nice value of the training thread (set by worker-entry.mjs): the lowest priority, the server wins every core. */
const WORKER_NICE = 19;

/** Whether this thread runs at the lowest priority (on Linux getPriority() reads the calling thread's). */
function lowered(): boolean {
  try {
    return getPriority() >= WORKER_NICE;
  } catch {
    return false;
  }
}

const niced = lowered();

port.on('message', async (msg: { id: number; job: TrainingJob }) => {
  try {
    const backend = await initBackend();
    const result = runJob(msg.job);
    const transfer = result.candidate ? [result.candidate.weights.buffer as ArrayBuffer] : [];
    port.postMessage({ id: msg.id, ok: true, backend, niced, result }, transfer);
  } catch (err) {
    port.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  }
});
