// Worker-thread entry of online training: its own tfjs instance and its own SQLite connection, so a round's
// seconds of matrix work never run on the server's event loop; at the lowest CPU priority (worker-entry.mjs), so
// they do not take the server's core either when cores are scarce.
import { getPriority } from 'node:os';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { backendFromEnv, initBackend as startBackend, type BackendChoice } from '../model/backend.js';
import { openStore } from '../store/index.js';
import { readJob, runJob, trainJob, type JobData, type JobResult, type TrainingJob } from './job.js';
import { SUBMITTED } from './worker-client.js';

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

/** The backend the spawning thread runs (worker-client.ts), else the environment's choice. */
const initBackend = () => startBackend((workerData as { backend?: BackendChoice } | null)?.backend ?? backendFromEnv());

interface JobMessage {
  id: number;
  job: TrainingJob;
  /** Set by TrainingWorker.submit(): report progress in `flag`, reply on `port`. */
  sync?: { flag: Int32Array; port: MessagePort };
}

port.on('message', async (msg: JobMessage) => {
  const reply = msg.sync?.port ?? port;
  try {
    const result = msg.sync ? await pinnedRound(msg.job, msg.sync.flag) : (await initBackend(), runJob(msg.job));
    const transfer = result.candidate ? [result.candidate.weights.buffer as ArrayBuffer] : [];
    reply.postMessage({ id: msg.id, ok: true, niced, result }, transfer);
  } catch (err) {
    reply.postMessage({ id: msg.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
  } finally {
    if (msg.sync) {
      // After the reply is queued, so the submitter's receiveMessageOnPort finds it.
      Atomics.store(msg.sync.flag, 0, SUBMITTED.done);
      Atomics.notify(msg.sync.flag, 0);
      msg.sync.port.close();
    }
  }
});

/**
 * Pin a read snapshot before telling the submitter to go on (SQLite WAL: a read transaction sees the database as
 * of its first read), then read the job's data inside it: exactly what was committed at submit time.
 */
async function pinnedRound(job: TrainingJob, flag: Int32Array): Promise<JobResult> {
  const store = openStore(job.dbPath);
  let data: JobData;
  try {
    const pinned = (): void => {
      Atomics.store(flag, 0, SUBMITTED.pinned);
      Atomics.notify(flag, 0);
    };
    data = store.snapshot(pinned, () => readJob(store, job));
  } finally {
    store.close();
  }
  await initBackend();
  return trainJob(job, data);
}
