// Runs training jobs in one long-lived worker thread (one round at a time). The worker is TypeScript executed
// through tsx's loader (worker-entry.mjs), the same way the CLI runs, so there is no build step to keep in sync.
import { Worker } from 'node:worker_threads';
import type { JobResult, TrainingJob } from './job.js';

interface Reply {
  id: number;
  ok: boolean;
  backend?: string;
  /** Whether the worker thread runs at lowered CPU priority (worker.ts). */
  niced?: boolean;
  result?: JobResult;
  error?: string;
}

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

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url));
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
