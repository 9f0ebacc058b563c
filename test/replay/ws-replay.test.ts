// The replay front door end to end: generated weather through a real WebSocket into a real server, its recorded
// forecasts scored on the very origins the baselines are scored on.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDailyCycle } from '../../src/baselines/index.js';
import { buildWindows, forecasterFromWeights, initBackend, saveModel, Seq2Seq, train } from '../../src/model/index.js';
import { formatSimpleCsv } from '../../src/replay/csv-write.js';
import { generateSynthetic } from '../../src/replay/generator.js';
import { runReplay } from '../../src/replay/run-replay.js';
import { toSteps } from '../../src/replay/series.js';
import { startServer, type ForecasterFactory } from '../../src/server/index.js';

const DAY = 86_400_000;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wx-replay-test-'));
  dirs.push(dir);
  return dir;
}

/** The committed generator, as a CSV file: what a user would hand to `wxstream replay`. */
function fixtureFile(options: Parameters<typeof generateSynthetic>[0]): string {
  const file = join(tempDir(), 'fixture.csv');
  writeFileSync(file, formatSimpleCsv(generateSynthetic(options)));
  return file;
}

const START = Date.UTC(2024, 0, 1);

describe('replay into a server that runs a baseline', () => {
  it('scores the server exactly like the same baseline run offline: same origins, same truth', async () => {
    const file = fixtureFile({ seed: 42, sensors: 2, days: 14, start: START });
    const dir = tempDir();
    // A running server (the --url path), serving the daily-cycle baseline instead of the RNN.
    const server = await startServer({
      port: 0,
      db: join(dir, 'db.sqlite'),
      forecaster: () => ({ version: 7, forecaster: createDailyCycle() }),
      // Serve the baseline's own bands: online band tuning would (rightly) make them differ from the offline run.
      bandTuningRate: 0,
    });
    try {
      const r = await runReplay({ files: [file], url: server.url, frameReadings: 97 });
      const online = r.report.models.wxstream;
      const offline = r.report.models['daily-cycle'];
      expect(r.server).toMatchObject({ mode: 'remote', modelVersions: [{ version: 7 }] });
      expect(r.replay.rejected).toBe(0);
      expect(r.replay.incomplete).toEqual([]);
      expect(r.report.counts.skippedOrigins).toBe(0);
      expect(online.counts).toEqual(offline.counts);
      expect(online.counts.scored).toBeGreaterThan(1000);
      online.perHorizon.forEach((h, k) => {
        expect(h.mae).toBeCloseTo(offline.perHorizon[k].mae, 9);
        expect(h.coverage).toBeCloseTo(offline.perHorizon[k].coverage, 9);
        expect(h.pinball).toBeCloseTo(offline.perHorizon[k].pinball, 9);
      });
      expect(Object.keys(online.perSensor)).toEqual(['syn-1', 'syn-2']);
    } finally {
      await server.close();
    }
  });
});

describe('replay into an in-process RNN server with inline training', () => {
  /** A small GRU pre-trained on other generated weather (another seed): seconds, not minutes. */
  let pretrained: { config: unknown; weights: Uint8Array };

  beforeAll(async () => {
    await initBackend('wasm');
    const steps = toSteps(generateSynthetic({ seed: 7, sensors: 3, days: 30, start: START }), { maxGapSteps: 5 * 24 });
    // The UTC clock: every generated sensor shares one longitude, and 12 optimizer steps cannot also learn the
    // first week's unshifted clock (clock alignment has its own tests, test/model/clock.test.ts).
    const model = Seq2Seq.create({ hidden: 8, seed: 3, normalization: { clock: null } });
    const windows = ['syn-1', 'syn-2', 'syn-3'].flatMap((s) =>
      buildWindows(
        steps.filter((x) => x.sensor === s),
        { config: model.config, contextLength: 24, stride: 2 },
      ),
    );
    train(windows, { model, epochs: 10, maxSteps: 12, batchSize: 32, learningRate: 1e-2, gradientSteps: 12, seed: 1 });
    pretrained = saveModel(model);
    model.dispose();
  });

  const factory: ForecasterFactory = async ({ store }) => {
    const version = store.models.insert({ status: 'champion', config: pretrained.config, weights: pretrained.weights, metrics: { source: 'test pre-trained' } });
    return { version, ...forecasterFromWeights(pretrained) };
  };

  const evalFrom = START + 6 * DAY;
  const replay = (file: string) =>
    runReplay({
      files: [file],
      forecaster: factory,
      training: 'inline',
      // A tiny round every 4 days of 3 sensors: exercises promotion mid-replay without costing the test its budget.
      trainEvery: 3 * 24 * 4,
      round: { maxSteps: 2, batchSize: 8, sampling: { contextLength: 24, validationSteps: 24, windows: 32 }, margin: 10 },
      evalFrom,
      linearTrainTo: evalFrom,
    });

  it('records every forecast, keeps training, beats persistence on every sensor, and does it again identically', async () => {
    const file = fixtureFile({ seed: 42, sensors: 3, days: 15, start: START });
    const r = await replay(file);
    const { report } = r;
    const model = report.models.wxstream;
    console.info(
      `ws-replay: ${Math.round(r.replay.readingsPerSecond)} readings/s; MAE wxstream ${model.mean.mae.toFixed(3)}, ` +
        Object.entries(report.models)
          .filter(([n]) => n !== 'wxstream')
          .map(([n, m]) => `${n} ${m.mean.mae.toFixed(3)}`)
          .join(', ') +
        `; coverage ${model.mean.coverage.toFixed(2)}; versions ${r.server.modelVersions.map((v) => v.version).join(',')}`,
    );
    expect(r.server.startingModel).toBe('test pre-trained');
    expect(r.replay.rejected).toBe(0);
    expect(r.replay.incomplete).toEqual([]);
    // Every origin was forecast but, at most, each sensor's last bucket: when the last reading is not on the grid,
    // nothing closes that bucket (the server cannot know it is complete), so it is no origin.
    expect(report.counts.skippedOrigins).toBeLessThanOrEqual(3);
    expect(Object.keys(report.models)).toEqual(['wxstream', 'persistence', 'seasonal-naive', 'daily-cycle', 'linear']);
    for (const m of Object.values(report.models)) expect(m.counts.forecasts).toBe(model.counts.forecasts);
    // Online training ran and its promoted versions served forecasts, in order.
    expect(r.server.trainer?.rounds).toBeGreaterThanOrEqual(2);
    expect(r.server.modelVersions.length).toBeGreaterThanOrEqual(2);
    expect(model.mean.mae).toBeLessThan(0.8 * report.models.persistence.mean.mae);
    for (const [sensor, s] of Object.entries(model.perSensor)) {
      expect(s.mae, sensor).toBeLessThan(report.models.persistence.perSensor[sensor].mae);
    }
    expect(model.mean.coverage).toBeGreaterThan(0.5);
    expect(report.sample?.forecasts.wxstream).toHaveLength(24);
    // One frame in flight + inline training: the server sees the same batches, so a second run is identical.
    const again = await replay(file);
    expect(again.server.modelVersions).toEqual(r.server.modelVersions);
    expect(again.report.models).toEqual(report.models);
  });
});
