// Plain-JS bootstrap of the training worker: registers tsx's loader inside the worker thread (execArgv loaders
// are not applied to workers on Node 20), then loads the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
