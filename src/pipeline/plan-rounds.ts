// Splits per-sensor event queues into encoder rounds: each round takes every sensor's pending resets and its next
// step, so one batched observe() never holds two steps of one sensor. Live ingest and re-warming share it.
import type { StepObservation } from '../forecaster.js';
import type { StepEvent } from './types.js';

export interface Round {
  steps: StepObservation[];
  resets: string[];
}

/** Group events by sensor, keeping each sensor's order. */
export function queuesBySensor(events: readonly StepEvent[]): Map<string, StepEvent[]> {
  const queues = new Map<string, StepEvent[]>();
  for (const e of events) {
    const sensor = e.kind === 'step' ? e.obs.sensor : e.sensor;
    let q = queues.get(sensor);
    if (q === undefined) queues.set(sensor, (q = []));
    q.push(e);
  }
  return queues;
}

export function planRounds(queues: ReadonlyMap<string, readonly StepEvent[]>): Round[] {
  const heads = new Map<string, number>();
  const rounds: Round[] = [];
  for (;;) {
    const steps: StepObservation[] = [];
    const resets: string[] = [];
    for (const [sensor, q] of queues) {
      let i = heads.get(sensor) ?? 0;
      while (q[i]?.kind === 'reset') {
        if (!resets.includes(sensor)) resets.push(sensor);
        i += 1;
      }
      const e = q[i];
      if (e?.kind === 'step') {
        steps.push(e.obs);
        i += 1;
      }
      heads.set(sensor, i);
    }
    if (steps.length === 0 && resets.length === 0) return rounds;
    rounds.push({ steps, resets });
  }
}
