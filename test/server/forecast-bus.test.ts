import { InProcessForecastBus } from '../../src/server/forecast-bus.js';
import { runForecastBusContract } from '../contract/forecast-bus.contract.js';

runForecastBusContract('in process', () => ({ bus: new InProcessForecastBus(), deliver: async () => undefined }));
