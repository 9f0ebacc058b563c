// The shared Forecaster contract, run against each naive baseline (default options: 24 x 1 h).
import { BASELINES } from '../../src/baselines/index.js';
import { runForecasterContract } from '../contract/forecaster.contract.js';

for (const [name, create] of Object.entries(BASELINES)) runForecasterContract(`baseline ${name}`, () => create());
