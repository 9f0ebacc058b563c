// `wxstream eval` (= `npm run eval`): the analyst's one command. Replays the four Beijing stations of the development
// data through an in-process server (inline training, default weights), scores 2015-03-01..2016-02-29 local time
// against the baselines, prints the targets table and writes the JSON report and the SVG chart.
import { BACKEND_HELP, parseBackend, startBackend } from './backend-option.js';
import type { BackendChoice } from '../model/backend-name.js';
import type { Command } from 'commander';
import { Option } from 'commander';
import { existsSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { coldStartGap, formatColdStartGap } from '../replay/cold-start-gap.js';
import { replayProgressBar } from '../replay/progress-bar.js';
import { formatReportTable, renderReportSvg } from '../replay/report.js';
import { runReplay, type ReplayRunInput, type ReplayRunResult } from '../replay/run-replay.js';
import { formatRunSummary, toJson } from '../replay/run-summary.js';
import { checkSpeed, checkTargets, formatSpeed, formatTargets, type SpeedCheck, type TargetCheck } from '../replay/targets.js';
import { TRAINING_MODES, type TrainingMode } from '../training/options.js';
import { ROUND_BUDGET } from '../training/round-budget.js';
import { EXIT, positiveInt } from './output.js';
import { failureExitCode, roundBudget, type ReplayIo } from './replay.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HOUR = 3_600_000;
/** Beijing local time is UTC+8 all year (no DST). */
const local = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h) - 8 * HOUR;

export const EVAL_WINDOWS = {
  /** The evaluation year: targets 2015-03-01 00:00 .. 2016-02-29 23:00 local, full warm-up from 2013-03. */
  full: { evalFrom: local(2015, 3, 1), evalTo: local(2016, 2, 29, 23), replayFrom: undefined },
  /** Two months with two months of warm-up: checks the wiring in a few minutes; not the targets. */
  quick: { evalFrom: local(2015, 3, 1), evalTo: local(2015, 4, 30, 23), replayFrom: local(2015, 1, 1) },
} as const;

export interface EvalFlags {
  backend?: BackendChoice;
  data?: string;
  out?: string;
  quick: boolean;
  coldStart: boolean;
  training: TrainingMode;
  trainEvery?: number;
  trainSteps?: number;
  trainBatch?: number;
  check: boolean;
  progress: boolean;
}

export const MODEL = 'wxstream';

/** Where the development data is looked for: --data, else $WXSTREAM_EVAL_DATA, else ../shared/data next to the repo. */
export function dataDir(flags: Pick<EvalFlags, 'data'>, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flags.data ?? env.WXSTREAM_EVAL_DATA ?? join(REPO, '../shared/data/beijing-hourly'));
}

function stationFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^PRSA_Data_.*\.csv$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

const shippedWeights = (): boolean => ['json', 'bin'].every((ext) => existsSync(join(REPO, `src/model/default/model.${ext}`)));

interface RunOutcome {
  result: ReplayRunResult;
  targets: TargetCheck;
}

async function evalRun(label: string, options: ReplayRunInput, flags: EvalFlags, io: ReplayIo): Promise<RunOutcome> {
  const bar = flags.progress ? replayProgressBar(io.stderr as NodeJS.WriteStream, label) : undefined;
  try {
    const result = await runReplay({ ...options, ...(bar ? { onProgress: (p) => bar.update(p) } : {}) });
    return { result, targets: checkTargets(result.report, MODEL) };
  } finally {
    bar?.stop();
  }
}

/** Runs the command; returns the exit code (see the help text). */
export async function runEvalCommand(flags: EvalFlags, io: ReplayIo): Promise<number> {
  const dir = dataDir(flags);
  const files = stationFiles(dir);
  if (files.length === 0) {
    io.stdout.write(
      `wxstream eval: no development data at ${dir} (expected the UCI Beijing files PRSA_Data_*.csv), so there is nothing to evaluate; skipped.\n` +
        'Point --data or WXSTREAM_EVAL_DATA at the folder to run it (docs/evaluation.md).\n',
    );
    return EXIT.ok;
  }
  const window = flags.quick ? EVAL_WINDOWS.quick : EVAL_WINDOWS.full;
  const out = resolve(flags.out ?? join(REPO, 'docs'));
  const base: ReplayRunInput = {
    // Shown in the summary and the JSON: relative paths say the same on every machine.
    files: files.map((f) => relative(process.cwd(), f)),
    layout: 'beijing',
    utcOffset: '+08:00',
    training: flags.training,
    trainEvery: flags.trainEvery,
    round: roundBudget(flags),
    evalFrom: window.evalFrom,
    evalTo: window.evalTo,
    replayFrom: window.replayFrom,
    // Only after the last target: nothing later can be scored.
    replayTo: window.evalTo,
    // The linear baseline learns from what the default weights learned from: everything before the window.
    linearTrainTo: window.evalFrom,
    modelName: MODEL,
  };
  const day = (t: number) => new Date(t + 8 * HOUR).toISOString().slice(0, 10);
  io.stdout.write(
    `wxstream eval: ${files.length} stations from ${dir}; targets ${day(window.evalFrom)} .. ${day(window.evalTo)} local time (UTC+8)` +
      `${flags.quick ? ' (--quick: a wiring check, not the targets)' : ''}; training ${flags.training}\n\n`,
  );
  let main: RunOutcome;
  let cold: RunOutcome | undefined;
  let speed: SpeedCheck;
  try {
    main = await evalRun('default   ', base, flags, io);
    io.stdout.write(`${formatRunSummary(main.result)}\n\n${formatReportTable(main.result.report)}\n\n${formatTargets(main.targets)}\n`);
    speed = checkSpeed(main.result.replay.readingsPerSecond, flags.training !== 'off');
    if (!flags.quick) io.stdout.write(`${formatSpeed(speed, cpus().length)}\n`);
    if (!shippedWeights()) {
      io.stdout.write('\nNote: no shipped default weights (src/model/default/model.{json,bin}); this run started from a seeded model, i.e. it is a cold start.\n');
    }
    if (flags.coldStart) {
      cold = await evalRun('cold-start', { ...base, coldStart: true }, flags, io);
      io.stdout.write(`\nCold start (fresh seeded model, same replay):\n${formatRunSummary(cold.result)}\n\n${formatTargets(cold.targets)}\n\n`);
      io.stdout.write(`${formatColdStartGap(coldStartGap(main.result.report, cold.result.report, MODEL))}\n`);
    }
  } catch (error) {
    return failureExitCode('eval', error, io.stderr);
  }
  await mkdir(out, { recursive: true });
  const jsonPath = join(out, 'evaluation-report.json');
  const chartPath = join(out, 'evaluation-chart.svg');
  const summary = {
    generatedAt: new Date().toISOString(),
    command: evalCommandLine(flags),
    data: relative(REPO, dir),
    window: { evalFrom: new Date(window.evalFrom).toISOString(), evalTo: new Date(window.evalTo).toISOString(), quick: flags.quick },
    shippedWeights: shippedWeights(),
    targets: main.targets,
    ...(flags.quick ? {} : { speed: { ...speed, cores: cpus().length } }),
    run: main.result,
    ...(cold ? { coldStart: { targets: cold.targets, run: cold.result }, coldStartGap: coldStartGap(main.result.report, cold.result.report, MODEL) } : {}),
  };
  await writeFile(jsonPath, `${toJson(summary)}\n`);
  await writeFile(chartPath, await renderReportSvg(main.result.report, { fanModel: MODEL }));
  io.stdout.write(`\nWrote ${jsonPath} and ${chartPath}\n`);
  const missed = !main.targets.pass;
  return flags.check && missed ? EXIT.rejected : EXIT.ok;
}

/** The command line that reproduces a run, for the report. */
export function evalCommandLine(flags: EvalFlags): string {
  const parts = ['wxstream eval'];
  if (flags.quick) parts.push('--quick');
  if (flags.coldStart) parts.push('--cold-start');
  if (flags.training !== 'inline') parts.push(`--training ${flags.training}`);
  if (flags.trainEvery !== undefined) parts.push(`--train-every ${flags.trainEvery}`);
  if (flags.trainSteps !== undefined) parts.push(`--train-steps ${flags.trainSteps}`);
  if (flags.trainBatch !== undefined) parts.push(`--train-batch ${flags.trainBatch}`);
  return parts.join(' ');
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('replay the Beijing development data through an in-process server and check the accuracy targets (npm run eval)')
    .option('--data <dir>', 'folder of the UCI Beijing files (env WXSTREAM_EVAL_DATA; default ../shared/data/beijing-hourly)')
    .option('--out <dir>', 'where evaluation-report.json and evaluation-chart.svg go (default docs/)')
    .option('--quick', 'two months (2015-03..04) after two months of warm-up: a wiring check, not the targets', false)
    .option('--cold-start', 'also run from a fresh seeded model and report the gap to the default weights', false)
    .addOption(new Option('--training <mode>', 'online training during the replay').choices([...TRAINING_MODES]).default('inline'))
    .option('--train-every <n>', 'closed sensor-steps between training rounds (default: the trainer default)', positiveInt('--train-every'))
    .option('--train-steps <n>', `Adam steps per training round (default ${ROUND_BUDGET.maxSteps})`, positiveInt('--train-steps'))
    .option('--train-batch <n>', `windows per Adam step (default ${ROUND_BUDGET.batchSize})`, positiveInt('--train-batch'))
    .option('--check', 'exit with 1 when a target is missed', false)
    .option('--no-progress', 'no progress bar (it is drawn only on a terminal anyway)')
    .option('--backend <name>', BACKEND_HELP, parseBackend)
    .addHelpText(
      'after',
      `
Exit codes: 0 done (targets met or not, see the table) or data absent (a message says so), 1 with --check: a target missed,
2 usage or CSV error, 3 connection failure.`,
    )
    .action(async (flags: EvalFlags) => {
      await startBackend('eval', flags.backend);
      process.exitCode = await runEvalCommand(flags, { stdout: process.stdout, stderr: process.stderr });
    });
}
