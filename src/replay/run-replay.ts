// One replay run end to end: read the CSV histories, stream them through a server's WebSocket (a running one,
// or an in-process one with a temporary database), then score the server's recorded forecasts and the baselines
// prequentially on the very same origins against the same bucketed truth.
import { createDailyCycle, createPersistence, createSeasonalNaive } from '../baselines/index.js';
import { fitLinear, LinearForecaster } from '../baselines/linear.js';
import type { Forecaster, StepObservation } from '../forecaster.js';
import type { Hemisphere } from '../config.js';
import type { Logger } from '../log.js';
import type { ModelOptions } from '../model/index.js';
import type { ForecasterFactory } from '../server/index.js';
import type { TrainingMode } from '../training/options.js';
import type { TrainerOptions, TrainerStats } from '../training/trainer.js';
import { loadCsv, type CsvStats } from './csv.js';
import type { CsvLayout } from './csv-layouts.js';
import { iterEvaluate, type EvaluationReport } from './evaluate.js';
import { RecordedForecaster } from './forecast-log.js';
import { startInProcess, type InProcessServer } from './in-process.js';
import type { ReplayReading } from './reading.js';
import { ReplayOptionError } from './replay-error.js';
import { toSteps } from './series.js';
import { replayOverSocket, type WsReplayProgress } from './ws-replay.js';

export interface ReplayRunOptions {
  files: readonly string[];
  layout: CsvLayout | 'auto';
  /** Offset of the Beijing layout's local calendar fields. */
  utcOffset: string;
  /** A running server; undefined = start one in this process with a temporary database. */
  url: string | undefined;
  token: string | undefined;
  speed: number | 'max';
  frameReadings: number;
  /** In-process server only. */
  training: TrainingMode;
  trainEvery: number | undefined;
  /** In-process server only: sensors a round learns from at most; undefined = the trainer's default. */
  trainSensors: number | undefined;
  round: TrainerOptions['round'] | undefined;
  coldStart: boolean;
  /** In-process server only: where the stations are ("+01:00"), seeding new sensors' clocks (config stationUtcOffset). */
  stationUtcOffset: string | undefined;
  /** In-process server only: the stations' hemisphere (config stationHemisphere). */
  stationHemisphere: Hemisphere | undefined;
  coldModel: ModelOptions | undefined;
  /** In-process server only: another starting model (tests inject a small pre-trained one). */
  forecaster: ForecasterFactory | undefined;
  /** Replay only readings with replayFrom <= ts <= replayTo (a shorter warm-up); default: everything. */
  replayFrom: number | undefined;
  replayTo: number | undefined;
  /** Scored target window (inclusive); default: from a week after the first step to the last step. */
  evalFrom: number | undefined;
  evalTo: number | undefined;
  /**
   * Fit the linear baseline on the files' steps before this time (at most evalFrom; also data before replayFrom);
   * undefined = no linear baseline.
   */
  linearTrainTo: number | undefined;
  stepMs: number;
  horizon: number;
  /** Missing steps the server steps through with nulls before resetting a sensor (its maxGapSteps). */
  maxGapSteps: number;
  /** Name of the server's model in the report. */
  modelName: string;
  /** Sensor whose forecast fan the chart shows; default the first. */
  sampleSensor: string | undefined;
  onProgress: ((p: ReplayRunProgress) => void) | undefined;
  log: Logger | undefined;
}

export const REPLAY_RUN_DEFAULTS = Object.freeze({
  layout: 'auto' as CsvLayout | 'auto',
  utcOffset: '+08:00',
  url: undefined,
  token: undefined,
  speed: 'max' as number | 'max',
  frameReadings: 500,
  training: 'inline' as const,
  trainEvery: undefined,
  trainSensors: undefined,
  round: undefined,
  coldStart: false,
  stationUtcOffset: undefined,
  stationHemisphere: undefined,
  coldModel: undefined,
  forecaster: undefined,
  replayFrom: undefined,
  replayTo: undefined,
  evalFrom: undefined,
  evalTo: undefined,
  linearTrainTo: undefined,
  stepMs: 3_600_000,
  horizon: 24,
  maxGapSteps: 48,
  modelName: 'wxstream',
  sampleSensor: undefined,
  onProgress: undefined,
  log: undefined,
});

export type ReplayRunInput = Partial<ReplayRunOptions> & Pick<ReplayRunOptions, 'files'>;

export type ReplayRunProgress =
  | ({ phase: 'replay' } & WsReplayProgress)
  | { phase: 'score'; fraction: number };

export interface ReplayRunResult {
  report: EvaluationReport;
  files: Array<{ file: string } & CsvStats>;
  replay: {
    sent: number;
    accepted: number;
    duplicates: number;
    rejected: number;
    /** First few rejections, to show. */
    rejections: Array<{ sensor: string; ts: number; code: string; message: string }>;
    skippedNoTemp: number;
    frames: number;
    forecasts: number;
    wallMs: number;
    readingsPerSecond: number;
    incomplete: string[];
  };
  server: {
    mode: 'in-process' | 'remote';
    training: ReplayRunOptions['training'] | 'remote';
    startingModel: string;
    trainer: TrainerStats | undefined;
    modelVersions: Array<{ version: number; forecasts: number }>;
  };
  timings: { loadMs: number; replayMs: number; scoreMs: number };
}

const WEEK_MS = 7 * 86_400_000;

/** Contiguous runs per sensor (toSteps leaves a jump where a gap was too long to fill). */
function contiguousRuns(steps: readonly StepObservation[], stepMs: number): StepObservation[][] {
  const bySensor = new Map<string, StepObservation[][]>();
  for (const s of steps) {
    let runs = bySensor.get(s.sensor);
    if (!runs) bySensor.set(s.sensor, (runs = [[]]));
    const run = runs[runs.length - 1];
    if (run.length > 0 && s.t !== run[run.length - 1].t + stepMs) runs.push([s]);
    else run.push(s);
  }
  return [...bySensor.values()].flat().filter((r) => r.length > 0);
}

/** The evaluation window: as given, else from a week after the first step (the daily cycle needs its week). */
export function evalWindow(steps: readonly StepObservation[], from: number | undefined, to: number | undefined): { evalFrom: number; evalTo: number } {
  if (steps.length === 0) throw new ReplayOptionError('no readings with a temperature to replay');
  const first = steps[0].t;
  const last = steps[steps.length - 1].t;
  const evalTo = to ?? last;
  const evalFrom = from ?? Math.min(first + WEEK_MS, evalTo);
  if (evalFrom > evalTo) throw new ReplayOptionError(`evalFrom (${new Date(evalFrom).toISOString()}) must not be after evalTo (${new Date(evalTo).toISOString()})`);
  return { evalFrom, evalTo };
}

/**
 * @example
 *   const { report } = await runReplay({ files: ['fixtures/synthetic-3-sensors-60d.csv'], training: 'off' });
 *   console.log(formatReportTable(report));
 */
export async function runReplay(input: ReplayRunInput): Promise<ReplayRunResult> {
  const o: ReplayRunOptions = { ...REPLAY_RUN_DEFAULTS, ...input };
  if (o.files.length === 0) throw new ReplayOptionError('files must name at least one CSV file');
  if (o.url !== undefined && (o.coldStart || o.forecaster)) {
    throw new ReplayOptionError('coldStart and forecaster need the in-process server: they cannot change the model of a running one (--url)');
  }
  if (o.coldStart && o.forecaster) throw new ReplayOptionError('coldStart and forecaster exclude each other: both choose the starting model');
  const t0 = performance.now();
  const readings: ReplayReading[] = [];
  // The linear baseline learns from everything before linearTrainTo, also what a shorter replay leaves out.
  const linearData: ReplayReading[] = [];
  const files: ReplayRunResult['files'] = [];
  const from = o.replayFrom ?? -Infinity;
  const to = o.replayTo ?? Infinity;
  for (const file of o.files) {
    const { readings: r, stats } = await loadCsv(file, { layout: o.layout, utcOffset: o.utcOffset });
    for (const x of r) {
      if (x.ts >= from && x.ts <= to) readings.push(x);
      if (o.linearTrainTo !== undefined && x.ts <= o.linearTrainTo && x.temp !== null) linearData.push(x);
    }
    files.push({ file, ...stats });
  }
  // The window is known before the replay, so only the forecasts it needs are kept in memory.
  const window = evalWindow(toSteps(readings.filter((r) => r.temp !== null), { stepMs: o.stepMs, maxGapSteps: o.maxGapSteps }), o.evalFrom, o.evalTo);
  if (o.linearTrainTo !== undefined && o.linearTrainTo > window.evalFrom) {
    throw new ReplayOptionError('linearTrainTo must not be after evalFrom: the linear baseline would be fit on the evaluation period');
  }
  const t1 = performance.now();

  let inProcess: InProcessServer | undefined;
  let replay;
  let trainer: TrainerStats | undefined;
  let startingModel = 'remote server model';
  try {
    if (o.url === undefined) {
      inProcess = await startInProcess({
        training: o.training,
        trainEvery: o.trainEvery,
        trainSensors: o.trainSensors,
        round: o.round,
        coldStart: o.coldStart,
        stationUtcOffset: o.stationUtcOffset,
        stationHemisphere: o.stationHemisphere,
        ...(o.coldModel ? { coldModel: o.coldModel } : {}),
        forecaster: o.forecaster,
        stepSeconds: o.stepMs / 1000,
        horizon: o.horizon,
        log: o.log,
      });
      startingModel = inProcess.startingModel();
    }
    const firstOrigin = window.evalFrom - o.horizon * o.stepMs;
    replay = await replayOverSocket(readings, {
      url: o.url ?? inProcess!.server.url,
      token: o.token,
      speed: o.speed,
      frameReadings: o.frameReadings,
      stepMs: o.stepMs,
      horizon: o.horizon,
      keepOrigin: (origin) => origin >= firstOrigin && origin <= window.evalTo,
      onProgress: o.onProgress && ((p) => o.onProgress!({ phase: 'replay', ...p })),
    });
    trainer = inProcess?.trainerStats();
  } finally {
    await inProcess?.close();
  }
  const t2 = performance.now();

  // Truth is what the server stored, bucketed as the server buckets it.
  const steps = toSteps(replay.delivered, { stepMs: o.stepMs, maxGapSteps: o.maxGapSteps });
  const base = { horizon: o.horizon, stepMs: o.stepMs };
  const forecasters: Forecaster[] = [
    new RecordedForecaster(replay.log, o.modelName),
    createPersistence(base),
    createSeasonalNaive(base),
    createDailyCycle(base),
  ];
  if (o.linearTrainTo !== undefined) {
    const cut = o.linearTrainTo;
    const gridded = toSteps(linearData, { stepMs: o.stepMs, maxGapSteps: o.maxGapSteps });
    const runs = contiguousRuns(gridded.filter((s) => s.t < cut), o.stepMs);
    forecasters.push(new LinearForecaster(fitLinear(runs, base)));
  }
  const sensors = [...new Set(steps.map((s) => s.sensor))].sort();
  const it = iterEvaluate({
    forecasters,
    steps,
    ...window,
    origins: (sensor, t) => replay.log.has(sensor, t),
    sample: { sensor: o.sampleSensor ?? sensors[0] },
  });
  let report: EvaluationReport;
  for (let last = 0; ; ) {
    const r = await it.next();
    if (r.done) {
      report = r.value;
      break;
    }
    const fraction = r.value.fraction ?? 0;
    if (fraction - last >= 0.01) {
      last = fraction;
      o.onProgress?.({ phase: 'score', fraction });
    }
  }
  forecasters.forEach((f) => f.dispose());
  const t3 = performance.now();

  return {
    report,
    files,
    replay: {
      sent: replay.sent.length,
      accepted: replay.accepted,
      duplicates: replay.duplicates,
      rejected: replay.rejected.length,
      rejections: replay.rejected.slice(0, 20).map((r) => ({ sensor: r.reading.sensor, ts: r.reading.ts, code: r.code, message: r.message })),
      skippedNoTemp: replay.skippedNoTemp,
      frames: replay.frames,
      forecasts: replay.log.size,
      wallMs: replay.wallMs,
      readingsPerSecond: replay.readingsPerSecond,
      incomplete: replay.incomplete,
    },
    server: {
      mode: o.url === undefined ? 'in-process' : 'remote',
      training: o.url === undefined ? o.training : 'remote',
      startingModel,
      trainer,
      modelVersions: replay.log.modelVersions(),
    },
    timings: { loadMs: t1 - t0, replayMs: t2 - t1, scoreMs: t3 - t2 },
  };
}
