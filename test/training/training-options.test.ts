import { describe, expect, it } from 'vitest';
import { trainingFromFlags } from '../../src/cli/training-options.js';
import { DEFAULT_TRAINER } from '../../src/training/options.js';
import { DEFAULT_ROUND } from '../../src/training/round.js';

describe('serve training options', () => {
  it('defaults to the round budget of round.ts', () => {
    expect(trainingFromFlags({}, {}).round).toEqual({ maxSteps: DEFAULT_ROUND.maxSteps, batchSize: DEFAULT_ROUND.batchSize });
  });

  it('takes the round budget from flags over the environment (the cold-start setting)', () => {
    expect(trainingFromFlags({ trainSteps: 120 }, { WXSTREAM_TRAIN_STEPS: '60', WXSTREAM_TRAIN_BATCH: '32' }).round).toEqual({
      maxSteps: 120,
      batchSize: 32,
    });
  });

  it('bounds the sensors a round learns from: flag over environment over the default', () => {
    expect(trainingFromFlags({}, {}).maxSensors).toBe(DEFAULT_TRAINER.maxSensors);
    expect(trainingFromFlags({}, { WXSTREAM_TRAIN_SENSORS: '100' }).maxSensors).toBe(100);
    expect(trainingFromFlags({ trainSensors: 8 }, { WXSTREAM_TRAIN_SENSORS: '100' }).maxSensors).toBe(8);
    expect(() => trainingFromFlags({ trainSensors: 0 }, {})).toThrow(/--train-sensors \(WXSTREAM_TRAIN_SENSORS\) must be at least 1/);
  });

  it('rejects a bad budget naming the flag or variable', () => {
    expect(() => trainingFromFlags({ trainSteps: 0 }, {})).toThrow(/--train-steps/);
    expect(() => trainingFromFlags({}, { WXSTREAM_TRAIN_BATCH: '32x' })).toThrow(/WXSTREAM_TRAIN_BATCH/);
  });

  it('refuses the replay-only pipelined mode for a server, saying where it belongs', () => {
    expect(() => trainingFromFlags({ training: 'pipelined' }, {})).toThrow(/pipelined is for replays/);
    expect(() => trainingFromFlags({}, { WXSTREAM_TRAINING: 'often' })).toThrow(/must be worker, inline or off; got "often"$/);
  });
});
