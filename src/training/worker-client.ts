// Runs training jobs in one long-lived worker thread (one round at a time). The worker is TypeScript executed
// through tsx's loader (worker-entry.mjs), the same way the CLI runs, so there is no build step to keep in sync.
// Two ways to run a job: run() (live: a promise, the weights swap in whenever the round ends) and submit()/collect()
// (pipelined replays: submit() returns once the worker has pinned the job's data, collect() blocks until the
// result is there), which makes a round's inputs and the point its weights take over independent of timing.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { activeBackend } from '../model/backend-name.js';
import type { JobResult, TrainingJob } from './job.js';

interface Reply {
  id: number;
  ok: boolean;
  /** Whether the worker thread runs at lowered CPU priority (worker.ts). */
  niced?: boolean;
  result?: JobResult;
  error?: string;
}

/** Progress of a submitted job, in a shared Int32Array the worker writes (worker.ts). */
export const SUBMITTED = { queued: 0, pinned: 1, done: 2 } as const;

/** A job submitted with submit(): its data is pinned; collect() returns its result. */
export interface SubmittedJob {
  readonly id: number;
  readonly flag: Int32Array;
  readonly port: MessagePort;
}

export interface CollectOptions {
  /** Give up (and throw) after this long; the worker is presumed dead. */
  timeoutMs: number;
}

/** How long submit() waits for the worker to pin the job's data: a first round also starts the worker (~1-3 s). */
const PIN_TIMEOUT_MS = 120_000;

export class TrainingWorker {
  /** Whether the worker thread runs at the lowest CPU priority; undefined until its first reply. */
  lowPriority: boolean | undefined;
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: JobResult) => void; reject: (e: Error) => void }>();

  run(job: TrainingJob): Promise<JobResult> {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, job });
    });
  }

  /**
   * Hand `job` to the worker and block until the worker has opened the database and pinned a read snapshot: the
   * round then learns from exactly what was committed when submit() was called, as an inline round would, even
   * though it reads while this thread goes on writing. Throws when the worker does not answer in time.
   */
  submit(job: TrainingJob): SubmittedJob {
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ id, job, sync: { flag, port: port2 } }, [port2]);
    const submitted = { id, flag, port: port1 };
    if (!waitFor(flag, SUBMITTED.pinned, PIN_TIMEOUT_MS)) {
      port1.close();
      throw new Error(`training worker did not start round ${id} within ${PIN_TIMEOUT_MS / 1000} s`);
    }
    return submitted;
  }

  /** Block until a submitted job is done and return its result (throws its error, or on timeout). */
  collect(job: SubmittedJob, options: CollectOptions): JobResult {
    try {
      if (!waitFor(job.flag, SUBMITTED.done, options.timeoutMs)) {
        throw new Error(`training round ${job.id} did not finish within ${Math.round(options.timeoutMs / 1000)} s`);
      }
      const reply = receiveMessageOnPort(job.port)?.message as Reply | undefined;
      if (reply === undefined) throw new Error(`training round ${job.id} finished without a reply`);
      if (reply.niced !== undefined) this.lowPriority = reply.niced;
      if (!reply.ok || !reply.result) throw new Error(`training round failed in the worker: ${reply.error ?? 'no result'}`);
      return reply.result;
    } finally {
      job.port.close();
    }
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    // The worker runs its own tfjs: on the backend this thread chose (auto, --backend), not a second guess of its own.
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { backend: activeBackend() } });
    worker.unref();
    worker.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.niced !== undefined) this.lowPriority = m.niced;
      if (m.ok && m.result) p.resolve(m.result);
      else p.reject(new Error(`training round failed in the worker: ${m.error ?? 'no result'}`));
    });
    const failAll = (err: Error): void => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (this.pending.size > 0) failAll(new Error(`training worker exited with code ${code}`));
    });
    return worker;
  }
}

/** Block this thread until flag[0] >= `state` or `timeoutMs` passed; true when reached. */
function waitFor(flag: Int32Array, state: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const now = Atomics.load(flag, 0);
    if (now >= state) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(flag, 0, now, left);
  }
}
