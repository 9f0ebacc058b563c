// Incremental forecast metrics: pure arithmetic, no tfjs, shared by replay evaluation and live scoring.
export type { Metric, Prediction } from './metric.js';
export { Mae } from './mae.js';
export { Rmse } from './rmse.js';
export { Coverage } from './coverage.js';
export { Pinball, pinballLoss } from './pinball.js';
export { HorizonMetric } from './horizon-metric.js';
export { ScoreSet, type ScoreSummary } from './score-set.js';
export { skill } from './skill.js';
