// `wxstream replay FILE...`: stream CSV histories through the real WebSocket protocol into a running server
// (--url) or an in-process one with a temporary database, then score its forecasts and the baselines on the
// same origins; prints the tables and writes the JSON report and the SVG chart on request.
import { BACKEND_HELP, parseBackend, startBackend } from './backend-option.js';
import type { BackendChoice } from '../model/backend-name.js';
import { Command, InvalidArgumentError, Option } from 'commander';
import { closeSync, openSync, readSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { isHemisphere, type Hemisphere } from '../config.js';
import { ClientError } from '../../client/index.js';
import { CsvError } from '../replay/csv-error.js';
import { splitCsvLine } from '../replay/csv-fields.js';
import { detectLayout, parseUtcOffset, type CsvLayout } from '../replay/csv-layouts.js';
import { formatReportTable, renderReportSvg } from '../replay/report.js';
import { formatSensorTable } from '../replay/report-sensors.js';
import { replayProgressBar } from '../replay/progress-bar.js';
import { modelFileFactory } from '../replay/in-process.js';
import { ReplayOptionError } from '../replay/replay-error.js';
import { runReplay, type ReplayRunInput, type ReplayRunResult } from '../replay/run-replay.js';
import { formatRunSummary, toJson } from '../replay/run-summary.js';
import { DEFAULT_TRAINER, TRAINING_MODES, type TrainingMode } from '../training/options.js';
import { ROUND_BUDGET } from '../training/round-budget.js';
import { missingModelFile } from './model-files.js';
import { EXIT, checkServerUrl, clientErrorMessage, positiveInt } from './output.js';

export interface ReplayFlags {
  backend?: BackendChoice;
  url?: string;
  token?: string;
  speed: number | 'max';
  frame: number;
  layout: CsvLayout | 'auto';
  utcOffset?: string;
  training: TrainingMode;
  trainEvery?: number;
  trainSteps?: number;
  trainBatch?: number;
  trainSensors?: number;
  stationUtcOffset?: string;
  stationHemisphere?: string;
  coldStart: boolean;
  /** Model files (BASE.json + BASE.bin) the in-process server starts from instead of the shipped weights. */
  model?: string;
  evalFrom?: string;
  evalTo?: string;
  linearTrainTo?: string;
  sampleSensor?: string;
  json?: string;
  chart?: string;
  progress: boolean;
}

export interface ReplayIo {
  stdout: Writable;
  stderr: NodeJS.WriteStream | Writable;
}

export const REPLAY_FLAG_DEFAULTS = { speed: 'max', frame: 500, layout: 'auto', training: 'inline', coldStart: false, progress: true } as const;


export function parseSpeed(raw: string): number | 'max' {
  if (raw === 'max') return 'max';
  const v = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(v > 0)) throw new InvalidArgumentError(`--speed must be "max" or a positive number (times real time); got "${raw}"`);
  return v;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/**
 * A date option: epoch ms, ISO-8601 with a zone, or local (no zone) at `offset`: "2015-03-01", "2015-03-01T06:00".
 * A date-only `to` means the end of that day (its last step is included).
 */
export function parseDateOption(name: string, raw: string, offset: string, end = false): number {
  const minutes = parseUtcOffset(offset);
  let t: number;
  if (/^\d+$/.test(raw)) t = Number(raw);
  else if (DATE_ONLY.test(raw)) t = Date.parse(`${raw}T00:00:00Z`) - minutes * 60_000 + (end ? 86_400_000 - 1 : 0);
  else if (LOCAL_DATE_TIME.test(raw)) t = Date.parse(`${raw}Z`) - minutes * 60_000;
  else t = Date.parse(raw);
  if (!Number.isFinite(t)) throw new ReplayOptionError(`${name} must be a date like 2015-03-01, 2015-03-01T06:00, 2015-03-01T06:00+08:00 or epoch ms; got "${raw}"`);
  return t;
}

/** The layout of a file from its first line, or undefined (readCsv reports the exact problem later). */
function sniffLayout(file: string): CsvLayout | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0];
    return detectLayout(splitCsvLine(first).map((f) => f.trim()));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Flags -> runReplay options. Dates without a zone use --utc-offset, else +08:00 for Beijing files, else UTC. */
export function replayOptions(files: readonly string[], flags: ReplayFlags): ReplayRunInput {
  if (flags.url !== undefined) {
    try {
      checkServerUrl(flags.url);
    } catch (e) {
      throw new ReplayOptionError((e as Error).message);
    }
  }
  if (flags.url !== undefined && flags.coldStart) throw new ReplayOptionError('--cold-start needs the in-process server; it cannot be combined with --url');
  if (flags.model !== undefined) {
    if (flags.url !== undefined) throw new ReplayOptionError('--model needs the in-process server; it cannot be combined with --url');
    if (flags.coldStart) throw new ReplayOptionError('--model and --cold-start both choose the starting model: give one');
    const missing = missingModelFile(flags.model);
    if (missing !== undefined) throw new ReplayOptionError(`--model: ${missing}`);
  }
  for (const [flag, value] of [
    ['--train-every', flags.trainEvery],
    ['--train-steps', flags.trainSteps],
    ['--train-batch', flags.trainBatch],
    ['--train-sensors', flags.trainSensors],
    ['--station-utc-offset', flags.stationUtcOffset],
    ['--station-hemisphere', flags.stationHemisphere],
  ] as const) {
    if (flags.url !== undefined && value !== undefined) throw new ReplayOptionError(`${flag} applies to the in-process server; it cannot be combined with --url`);
  }
  const layout = flags.layout === 'auto' ? sniffLayout(files[0]) : flags.layout;
  const offset = flags.utcOffset ?? (layout === 'beijing' ? '+08:00' : '+00:00');
  try {
    parseUtcOffset(offset);
  } catch (e) {
    throw new ReplayOptionError(`--utc-offset ${(e as Error).message.replace(/^utcOffset /, '')}`);
  }
  const date = (name: string, raw: string | undefined, end = false) => (raw === undefined ? undefined : parseDateOption(name, raw, offset, end));
  return {
    files,
    layout: flags.layout,
    utcOffset: offset,
    url: flags.url,
    token: flags.token,
    speed: flags.speed,
    frameReadings: flags.frame,
    training: flags.training,
    trainEvery: flags.trainEvery,
    trainSensors: flags.trainSensors,
    round: roundBudget(flags),
    stationUtcOffset: flags.stationUtcOffset,
    stationHemisphere: hemisphere(flags.stationHemisphere),
    coldStart: flags.coldStart,
    ...(flags.model === undefined ? {} : { forecaster: modelFileFactory(flags.model) }),
    evalFrom: date('--eval-from', flags.evalFrom),
    evalTo: date('--eval-to', flags.evalTo, true),
    linearTrainTo: date('--linear-train-to', flags.linearTrainTo),
    sampleSensor: flags.sampleSensor,
  };
}

function hemisphere(raw: string | undefined): Hemisphere | undefined {
  if (raw === undefined || isHemisphere(raw)) return raw;
  throw new ReplayOptionError(`--station-hemisphere must be north or south; got "${raw}"`);
}

/** The round budget from --train-steps/--train-batch; undefined = the trainer's default (src/training/round-budget.ts). */
export function roundBudget(flags: { trainSteps?: number; trainBatch?: number }): { maxSteps?: number; batchSize?: number } | undefined {
  if (flags.trainSteps === undefined && flags.trainBatch === undefined) return undefined;
  return {
    ...(flags.trainSteps === undefined ? {} : { maxSteps: flags.trainSteps }),
    ...(flags.trainBatch === undefined ? {} : { batchSize: flags.trainBatch }),
  };
}

/** Print what a finished run measured. */
export function printRun(out: Writable, r: ReplayRunResult, modelName = 'wxstream'): void {
  out.write(`${formatRunSummary(r)}\n\n${formatReportTable(r.report)}\n\n${formatSensorTable(r.report, { model: modelName })}\n`);
}

/** Exit code for an error thrown by a run: usage (2) for bad input, connection (3), else rethrown. */
export function failureExitCode(command: string, error: unknown, stderr: Writable, token?: string): number {
  if (error instanceof CsvError) {
    stderr.write(`wxstream ${command}: ${error.message} (${error.code})\n`);
    return EXIT.usage;
  }
  if (error instanceof ReplayOptionError) {
    stderr.write(`wxstream ${command}: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ClientError) {
    stderr.write(`wxstream ${command}: ${clientErrorMessage(error, token)}\n`);
    return EXIT.connection;
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') {
    stderr.write(`wxstream ${command}: cannot read ${(error as NodeJS.ErrnoException).path ?? 'input'} (${code})\n`);
    return EXIT.usage;
  }
  throw error;
}

/** Runs the command; returns the exit code (0 ok, 1 readings rejected, 2 usage or CSV error, 3 connection). */
export async function runReplayCommand(files: readonly string[], flags: ReplayFlags, io: ReplayIo): Promise<number> {
  const bar = flags.progress ? replayProgressBar(io.stderr as NodeJS.WriteStream) : undefined;
  let result: ReplayRunResult;
  try {
    const options = replayOptions(files, flags);
    result = await runReplay({ ...options, ...(bar ? { onProgress: (p) => bar.update(p) } : {}) });
  } catch (error) {
    bar?.stop();
    return failureExitCode('replay', error, io.stderr, flags.token);
  }
  bar?.stop();
  printRun(io.stdout, result);
  if (flags.json !== undefined) {
    await writeFile(flags.json, `${toJson(result)}\n`);
    io.stdout.write(`\nJSON report: ${flags.json}\n`);
  }
  if (flags.chart !== undefined) {
    await writeFile(flags.chart, await renderReportSvg(result.report, { fanModel: 'wxstream' }));
    io.stdout.write(`${flags.json === undefined ? '\n' : ''}Chart: ${flags.chart}\n`);
  }
  return result.replay.rejected > 0 ? EXIT.rejected : EXIT.ok;
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('stream CSV histories through the WebSocket protocol into a server and score its forecasts against the baselines')
    .argument('<files...>', 'CSV files: sensor,ts,temp[,pressure,dewpoint,wind] or the UCI Beijing layout')
    .option('--url <url>', 'replay into this running server instead of an in-process one')
    .option('--token <token>', 'access token for --url (env WXSTREAM_TOKEN)', process.env.WXSTREAM_TOKEN)
    .option('--speed <n|max>', 'N x real time (paced by event time), or max: as fast as acks allow', parseSpeed, REPLAY_FLAG_DEFAULTS.speed)
    .option('--frame <n>', 'readings per push frame (one frame in flight at a time)', positiveInt('--frame'), REPLAY_FLAG_DEFAULTS.frame)
    .addOption(new Option('--layout <layout>', 'CSV layout').choices(['auto', 'simple', 'beijing']).default(REPLAY_FLAG_DEFAULTS.layout))
    .option('--utc-offset <+hh:mm>', 'offset of times without a zone (Beijing calendar fields, date-only options); default +08:00 for Beijing files, else +00:00')
    .addOption(new Option('--training <mode>', 'online training of the in-process server').choices([...TRAINING_MODES]).default(REPLAY_FLAG_DEFAULTS.training))
    .option('--train-every <n>', 'closed sensor-steps between training rounds (in-process)', positiveInt('--train-every'))
    .option('--train-steps <n>', `Adam steps per training round (in-process; default ${ROUND_BUDGET.maxSteps})`, positiveInt('--train-steps'))
    .option('--train-batch <n>', `windows per Adam step (in-process; default ${ROUND_BUDGET.batchSize})`, positiveInt('--train-batch'))
    .option('--train-sensors <n>', `sensors a training round learns from at most (in-process; default ${DEFAULT_TRAINER.maxSensors})`, positiveInt('--train-sensors'))
    .option('--station-utc-offset <+hh:mm>', 'where the stations are: new sensors start from that clock shift (in-process; docs/model.md)')
    .option('--station-hemisphere <north|south>', "south: time features shifted half a year to the weights' seasons (in-process; docs/model.md)")
    .option('--cold-start', 'start the in-process server from a fresh seeded model, not the shipped default weights', false)
    .option('--model <base>', 'start the in-process server from these model files (BASE.json, BASE.bin: train:default --out) instead')
    .option('--eval-from <date>', 'first scored target time (default: a week after the first reading; a shorter history scores only its last step)')
    .option('--eval-to <date>', 'last scored target time; a date alone includes that whole day (default: the last reading)')
    .option('--linear-train-to <date>', 'add the linear baseline, fit on data before this date (at most --eval-from)')
    .option('--sample-sensor <id>', 'sensor whose forecast fan the chart shows (default: the first)')
    .option('--json <file>', 'write the full report as JSON')
    .option('--chart <file>', 'write the SVG chart: MAE by step ahead for all models, one forecast fan against the truth')
    .option('--no-progress', 'no progress bar (it is drawn only on a terminal anyway)')
    .option('--backend <name>', `${BACKEND_HELP} (in-process)`, parseBackend)
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 1 some readings rejected by the server, 2 usage or CSV error (names the first bad line), 3 connection failure.
Examples:
  wxstream replay fixtures/synthetic-3-sensors-60d.csv --chart report.svg
  wxstream replay ../shared/data/beijing-hourly/*.csv --eval-from 2015-03-01 --eval-to 2016-02-29 --linear-train-to 2015-03-01
  wxstream replay readings.csv --url ws://127.0.0.1:8080 --speed 3600`,
    )
    .action(async (files: string[], flags: ReplayFlags) => {
      if (flags.url === undefined) await startBackend('replay', flags.backend);
      process.exitCode = await runReplayCommand(files, flags, { stdout: process.stdout, stderr: process.stderr });
    });
}
