// Public surface of the pipeline: the RxJS operators (one per concern), the per-sensor state keeper and the
// model host. The server wires them; the replay tool can run the same chain (forecastPipeline) on recorded data.
export * from './types.js';
export { parseFrames, validatePush, type IncomingFrame, type ParsedFrame, type ParseOptions } from './parse-frames.js';
export { persistReadings, type PersistOptions } from './persist-readings.js';
export { bucketSteps, type BucketStepsOptions } from './bucket-steps.js';
export { encodeSteps } from './encode-steps.js';
export { scoreForecasts } from './score-forecasts.js';
export { decodeForecasts, type DecodeOptions } from './decode-forecasts.js';
export { issueForecasts, type Issuer, type Origins } from './issue-forecasts.js';
export { serializeBatch, type SerializedBatch, type SerializedForecast } from './serialize-batch.js';
export { forecastPipeline, type ForecastPipelineOptions } from './forecast-pipeline.js';
export { SensorBucket, bucketEnd, warmStepsFrom, type BucketRules } from './sensor-bucket.js';
export { bucketReadings } from './bucket-readings.js';
export { SensorKeeper, type SensorKeeperOptions, type RestoreOutcome } from './sensor-keeper.js';
export { LiveSkill, type LiveSkillOptions } from './live-skill.js';
export { SwappableModelHost, retire, type ModelHost, type Retired } from './model-host.js';
