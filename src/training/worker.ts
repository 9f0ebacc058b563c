// Worker-thread entry of online training: its own tfjs instance and its own SQLite connection, so a round's
// seconds of matrix work never run on the server's event loop; at the lowest CPU priority, so they do not take
// the server's core either when cores are scarce.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../model/backend.js';
import { runJob, type TrainingJob } from './job.js';

if (parentPort === null) throw new Error('src/training/worker.ts must run in a worker thread');
const port = parentPort;

/** Nice value of the training thread: the lowest priority, so the server's threads win every contended core. */
const WORKER_NICE = 19;

/**
 * Lower this thread's scheduling priority (Linux: niceness is per thread, and /proc/thread-self names it), before
 * tfjs starts any thread of its own (those inherit it). Elsewhere, or when refused, the round runs at normal
 * priority; returns whether it worked.
 */
function yieldCpuToServer(): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, WORKER_NICE);
    return true;
  } catch {
    return false;
  }
}

const niced = yieldCpuToServer();

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
