// The shared Forecaster contract, run against the recurrent model (small, untrained but seeded).
import { testBackend } from './helpers.js';
import { beforeAll } from 'vitest';
import { initBackend } from '../../src/model/backend.js';
import { RnnForecaster } from '../../src/model/index.js';
import { runForecasterContract } from '../contract/forecaster.contract.js';

beforeAll(async () => {
  await initBackend(testBackend());
});

runForecasterContract('RnnForecaster (gru, hidden 8)', () => new RnnForecaster({ config: { hidden: 8, seed: 3 } }));
runForecasterContract('RnnForecaster (lstm, hidden 8)', () => new RnnForecaster({ config: { cell: 'lstm', hidden: 8, seed: 3 } }));
