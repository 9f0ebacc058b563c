// Wires online training into a server: the trainer (and tfjs training code) is loaded only when training is on,
// and promoted weights become RnnForecasters the model host swaps in between ticks.
import type { Logger } from '../log.js';
import type { ModelHost } from '../pipeline/model-host.js';
import type { Store } from '../store/index.js';
import type { Trainer, TrainerOptions } from '../training/trainer.js';

export interface TrainerWiring {
  store: Store;
  host: ModelHost;
  log: Logger;
  stepMs: number;
  maxGapSteps: number;
}

export async function startTrainer(options: Partial<TrainerOptions> | undefined, w: TrainerWiring): Promise<Trainer | undefined> {
  if (options === undefined || options.mode === 'off') return undefined;
  const [{ Trainer }, m] = await Promise.all([import('../training/trainer.js'), import('../model/index.js')]);
  const trainer = new Trainer(
    {
      store: w.store,
      host: w.host,
      log: w.log,
      rules: { stepMs: w.stepMs, maxGapSteps: w.maxGapSteps },
      forecasterFor: (saved) => {
        const model = m.loadModel(saved.config, saved.weights);
        return { forecaster: new m.RnnForecaster({ model }), release: () => model.dispose() };
      },
    },
    options,
  );
  w.log.info({ mode: options.mode ?? 'worker', trainEvery: options.trainEvery }, 'online training on');
  return trainer;
}
