// Offline replay and evaluation: read files, bucket onto the grid, run forecasters prequentially, report.
export type { ReplayReading } from './reading.js';
export { toSteps, TO_STEPS_DEFAULTS, type ToStepsOptions } from './series.js';
export { readCsv, loadCsv, CSV_DEFAULTS, type CsvOptions, type CsvStats } from './csv.js';
export { CsvError, type CsvErrorCode } from './csv-error.js';
export type { CsvLayout } from './csv-layouts.js';
export { formatSimpleCsv } from './csv-write.js';
export { generateSynthetic, SYNTHETIC_DEFAULTS, type SyntheticOptions } from './generator.js';
export { PrequentialScorer, type ScorerOptions, type ModelScores, type PointCounts } from './scorer.js';
export { iterEvaluate, evaluate, EVALUATE_DEFAULTS, type EvaluateOptions, type EvaluateInput, type EvaluationProgress, type EvaluationReport } from './evaluate.js';
export type { EvaluationSample, SampleOptions } from './sampler.js';
export { formatReportTable, reportToJson, renderReportSvg, type TableOptions, type ChartOptions } from './report.js';
