// The replay and eval commands' argument handling and failure paths (the runs themselves: ws-replay.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { evalCommandLine, runEvalCommand, type EvalFlags } from '../../src/cli/eval.js';
import { parseDateOption, parseSpeed, replayOptions, runReplayCommand, REPLAY_FLAG_DEFAULTS, type ReplayFlags } from '../../src/cli/replay.js';
import { ReplayOptionError } from '../../src/replay/replay-error.js';
import { Seq2Seq, writeModelFiles } from '../../src/model/index.js';

const repo = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'wx-replay-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  return { io: { stdout, stderr }, out: () => out, err: () => err };
}

const flags = (extra: Partial<ReplayFlags> = {}): ReplayFlags => ({ ...REPLAY_FLAG_DEFAULTS, progress: false, ...extra });

describe('replay arguments', () => {
  it('--speed is max or a positive number', () => {
    expect(parseSpeed('max')).toBe('max');
    expect(parseSpeed('3600')).toBe(3600);
    expect(parseSpeed('0.5')).toBe(0.5);
    for (const bad of ['0', '-2', 'fast', '1e3', '']) expect(() => parseSpeed(bad), bad).toThrow(/--speed/);
  });

  it('dates: zone as given, local ones at the offset, a date-only end includes its whole day', () => {
    expect(parseDateOption('--eval-from', '2015-03-01', '+08:00')).toBe(Date.parse('2015-03-01T00:00:00+08:00'));
    expect(parseDateOption('--eval-to', '2016-02-29', '+08:00', true)).toBe(Date.parse('2016-03-01T00:00:00+08:00') - 1);
    expect(parseDateOption('--eval-from', '2015-03-01T06:00', '+00:00')).toBe(Date.UTC(2015, 2, 1, 6));
    expect(parseDateOption('--eval-from', '2015-03-01T06:00:00-05:00', '+08:00')).toBe(Date.UTC(2015, 2, 1, 11));
    expect(parseDateOption('--eval-from', '1425168000000', '+08:00')).toBe(1425168000000);
    expect(() => parseDateOption('--eval-from', 'March 1st', '+00:00')).toThrow(ReplayOptionError);
  });

  it('date-only options are local to Beijing for Beijing files, UTC for simple ones, or --utc-offset', () => {
    const simple = join(dir, 'simple.csv');
    writeFileSync(simple, 'sensor,ts,temp\na,2024-01-01T00:00:00Z,1\n');
    const beijing = join(dir, 'beijing.csv');
    writeFileSync(beijing, '"No","year","month","day","hour","TEMP","PRES","DEWP","RAIN","wd","WSPM","station"\n');
    expect(replayOptions([simple], flags({ evalFrom: '2024-01-02' })).evalFrom).toBe(Date.UTC(2024, 0, 2));
    expect(replayOptions([beijing], flags({ evalFrom: '2015-03-01' })).evalFrom).toBe(Date.UTC(2015, 1, 28, 16));
    expect(replayOptions([simple], flags({ evalFrom: '2024-01-02', utcOffset: '-05:00' })).evalFrom).toBe(Date.UTC(2024, 0, 2, 5));
    expect(() => replayOptions([simple], flags({ utcOffset: '8h' }))).toThrow(/--utc-offset/);
  });

  it('in-process options cannot be combined with --url', () => {
    expect(() => replayOptions(['x.csv'], flags({ url: 'ws://127.0.0.1:1', coldStart: true }))).toThrow(/--cold-start/);
    expect(() => replayOptions(['x.csv'], flags({ url: 'ws://127.0.0.1:1', trainEvery: 10 }))).toThrow(/--train-every/);
    expect(() => replayOptions(['x.csv'], flags({ url: 'ws://127.0.0.1:1', trainSteps: 1 }))).toThrow(/--train-steps/);
    expect(() => replayOptions(['x.csv'], flags({ url: 'ws://127.0.0.1:1', trainBatch: 64 }))).toThrow(/--train-batch/);
    expect(() => replayOptions(['x.csv'], flags({ url: 'ws://127.0.0.1:1', trainSensors: 8 }))).toThrow(/--train-sensors/);
    expect(() => replayOptions(['x.csv'], flags({ url: 'ws://127.0.0.1:1', stationHemisphere: 'south' }))).toThrow(/--station-hemisphere/);
    expect(() => replayOptions(['x.csv'], flags({ url: 'ws://127.0.0.1:1', stationUtcOffset: '+01:00' }))).toThrow(/--station-utc-offset/);
  });

  it('--model needs the in-process server, excludes --cold-start and must name existing files', () => {
    const base = join(dir, 'tiny');
    writeFileSync(`${base}.json`, '{}');
    writeFileSync(`${base}.bin`, '');
    expect(replayOptions(['x.csv'], flags({ model: base })).forecaster).toEqual(expect.any(Function));
    expect(replayOptions(['x.csv'], flags()).forecaster).toBeUndefined();
    expect(() => replayOptions(['x.csv'], flags({ model: base, url: 'ws://127.0.0.1:1' }))).toThrow(/--model needs the in-process server/);
    expect(() => replayOptions(['x.csv'], flags({ model: base, coldStart: true }))).toThrow(/--model and --cold-start/);
    expect(() => replayOptions(['x.csv'], flags({ model: join(dir, 'absent') }))).toThrow(/no model file .*absent\.json/);
    expect(() => replayOptions(['x.csv'], flags({ model: `${base}.json` }))).toThrow(/without \.json/);
  });

  it('damaged model files are a usage error in one sentence, not a crash', async () => {
    const m = Seq2Seq.create({ hidden: 4, seed: 1 });
    const base = join(dir, 'damaged');
    await writeModelFiles(m, base);
    m.dispose();
    const bin = readFileSync(`${base}.bin`);
    bin[bin.length - 1] ^= 1;
    writeFileSync(`${base}.bin`, bin);
    const t = io();
    expect(await runReplayCommand([join(repo, 'fixtures/synthetic-3-sensors-60d.csv')], flags({ model: base }), t.io)).toBe(2);
    expect(t.err()).toMatch(/^wxstream replay: cannot use the model files .*damaged\.json\/\.bin: .*checksum/);
    expect(t.err().split('\n')).toHaveLength(2);
  }, 60_000);

  it('a --url without a scheme is a usage error, before anything connects', async () => {
    expect(() => replayOptions(['x.csv'], flags({ url: 'localhost:18931' }))).toThrow(ReplayOptionError);
    const t = io();
    expect(await runReplayCommand([join(repo, 'fixtures/synthetic-3-sensors-60d.csv')], flags({ url: '127.0.0.1:18931' }), t.io)).toBe(2);
    expect(t.err()).toBe('wxstream replay: --url must be a server address like ws://host:port or http://host:port, scheme included; got "127.0.0.1:18931"\n');
  });

  it('--train-steps/--train-batch set the round budget; absent, the trainer default applies', () => {
    const simple = join(dir, 'budget.csv');
    writeFileSync(simple, 'sensor,ts,temp\na,2024-01-01T00:00:00Z,1\n');
    expect(replayOptions([simple], flags({ trainSteps: 1, trainBatch: 64 })).round).toEqual({ maxSteps: 1, batchSize: 64 });
    expect(replayOptions([simple], flags({ trainSteps: 3 })).round).toEqual({ maxSteps: 3 });
    expect(replayOptions([simple], flags({})).round).toBeUndefined();
    expect(replayOptions([simple], flags({ trainSensors: 8 })).trainSensors).toBe(8);
    expect(replayOptions([simple], flags({})).trainSensors).toBeUndefined();
    expect(replayOptions([simple], flags({ stationHemisphere: 'south' })).stationHemisphere).toBe('south');
    expect(() => replayOptions([simple], flags({ stationHemisphere: 'sud' }))).toThrow(/--station-hemisphere must be north or south; got "sud"/);
  });

  it('a bad CSV line is a usage error naming the file and line, before any server starts', async () => {
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'sensor,ts,temp\na,2024-01-01T00:00:00Z,1\na,yesterday,2\n');
    const t = io();
    expect(await runReplayCommand([file], flags(), t.io)).toBe(2);
    expect(t.err()).toMatch(/bad\.csv:3: ts "yesterday" is not ISO-8601.*\(WX_CSV_VALUE\)/);
    const missing = io();
    expect(await runReplayCommand([join(dir, 'nope.csv')], flags(), missing.io)).toBe(2);
    expect(missing.err()).toMatch(/cannot read .*nope\.csv/);
  });

  it('an evaluation window that ends before it starts is a usage error', async () => {
    const file = join(dir, 'ok.csv');
    writeFileSync(file, 'sensor,ts,temp\na,2024-01-01T00:00:00Z,1\na,2024-01-01T01:00:00Z,2\n');
    const t = io();
    expect(await runReplayCommand([file], flags({ evalFrom: '2024-02-01', evalTo: '2024-01-01', training: 'off' }), t.io)).toBe(2);
    expect(t.err()).toMatch(/evalFrom .* must not be after evalTo/);
  });
});

describe('eval without the development data', () => {
  const evalFlags: EvalFlags = { quick: false, coldStart: false, training: 'inline', check: true, progress: false };

  it('says so plainly and exits 0', async () => {
    const t = io();
    expect(await runEvalCommand({ ...evalFlags, data: join(dir, 'absent') }, t.io)).toBe(0);
    expect(t.out()).toMatch(/no development data at .*absent .*nothing to evaluate; skipped/);
  });

  it('the report names the command line that reproduces the run', () => {
    expect(evalCommandLine(evalFlags)).toBe('wxstream eval');
    expect(evalCommandLine({ ...evalFlags, coldStart: true, training: 'pipelined', trainEvery: 10_000, trainSteps: 1, trainBatch: 256 })).toBe(
      'wxstream eval --cold-start --training pipelined --train-every 10000 --train-steps 1 --train-batch 256',
    );
  });

  it('through the real command line too (npm run eval runs this)', () => {
    const r = spawnSync(process.execPath, [join(repo, 'bin/wxstream.js'), 'eval'], {
      cwd: repo,
      env: { ...process.env, WXSTREAM_EVAL_DATA: join(dir, 'absent'), WXSTREAM_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/nothing to evaluate; skipped/);
    const bad = spawnSync(process.execPath, [join(repo, 'bin/wxstream.js'), 'replay', 'x.csv', '--speed', 'fast'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--speed must be "max" or a positive number/);
  });
});
