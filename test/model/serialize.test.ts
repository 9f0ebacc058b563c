// Acceptance 5: weights round-trip bit-exactly; corrupt, truncated and mismatched blobs fail with stable codes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  loadModel,
  readModelFiles,
  RnnForecaster,
  saveModel,
  Seq2Seq,
  writeModelFiles,
  type SavedModel,
} from '../../src/model/index.js';
import { codeOf, useTestBackend } from './helpers.js';
import { diurnalSeries } from './synthetic.js';

useTestBackend();

/** JSON round trip, as the config travels through a file. */
function viaJson(saved: SavedModel): unknown {
  return JSON.parse(JSON.stringify(saved.config));
}

describe.each([
  ['rnn', 1],
  ['gru', 1],
  ['lstm', 1],
  ['gru', 2],
  ['rnn', 3],
] as const)('round trip (%s, %i layers)', (cell, layers) => {
  it('load(save(model)) has bit-identical weights and identical forecasts', () => {
    const model = Seq2Seq.create({ cell, hidden: 10, seed: 21, layers });
    const saved = saveModel(model);
    expect(saved.weights.length).toBe(20 + 4 * model.getWeights().reduce((n, w) => n + w.length, 0));
    const loaded = loadModel(viaJson(saved), saved.weights);
    const a = model.getWeights();
    const b = loaded.getWeights();
    a.forEach((w, i) => expect(Buffer.from(b[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
    expect(loaded.version()).toBe(model.version());

    const series = diurnalSeries({ steps: 50, covariates: true });
    const fa = new RnnForecaster({ model });
    const fb = new RnnForecaster({ model: loaded });
    for (const s of series) {
      fa.observe([s]);
      fb.observe([s]);
    }
    expect(fb.forecast(['s1'])).toEqual(fa.forecast(['s1']));
    model.dispose();
    loaded.dispose();
  });
});

describe('damaged or mismatched blobs', () => {
  const model = () => Seq2Seq.create({ hidden: 6, seed: 3 });

  it('a flipped payload byte is WX_MODEL_CORRUPT', () => {
    const m = model();
    const saved = saveModel(m);
    const bad = Uint8Array.from(saved.weights);
    bad[bad.length - 7] ^= 0x10;
    expect(codeOf(() => loadModel(viaJson(saved), bad))).toBe('WX_MODEL_CORRUPT');
    m.dispose();
  });

  it('a wrong magic or trailing bytes are WX_MODEL_CORRUPT', () => {
    const m = model();
    const saved = saveModel(m);
    const magic = Uint8Array.from(saved.weights);
    magic[0] = 0;
    expect(codeOf(() => loadModel(viaJson(saved), magic))).toBe('WX_MODEL_CORRUPT');
    const longer = new Uint8Array(saved.weights.length + 4);
    longer.set(saved.weights);
    expect(codeOf(() => loadModel(viaJson(saved), longer))).toBe('WX_MODEL_CORRUPT');
    m.dispose();
  });

  it('a truncated blob is WX_MODEL_TRUNCATED', () => {
    const m = model();
    const saved = saveModel(m);
    expect(codeOf(() => loadModel(viaJson(saved), saved.weights.subarray(0, saved.weights.length - 4)))).toBe('WX_MODEL_TRUNCATED');
    expect(codeOf(() => loadModel(viaJson(saved), saved.weights.subarray(0, 10)))).toBe('WX_MODEL_TRUNCATED');
    m.dispose();
  });

  it('an unknown format version is WX_MODEL_FORMAT_VERSION', () => {
    const m = model();
    const saved = saveModel(m);
    const v2 = Uint8Array.from(saved.weights);
    v2[4] = 2;
    expect(codeOf(() => loadModel(viaJson(saved), v2))).toBe('WX_MODEL_FORMAT_VERSION');
    m.dispose();
  });

  it('weights paired with another config are WX_MODEL_CONFIG_MISMATCH, even when shapes agree', () => {
    const small = Seq2Seq.create({ hidden: 6 });
    const big = Seq2Seq.create({ hidden: 8 });
    const horizon12 = Seq2Seq.create({ hidden: 6, horizon: 12 }); // same shapes as `small`
    expect(codeOf(() => loadModel(viaJson(saveModel(big)), saveModel(small).weights))).toBe('WX_MODEL_CONFIG_MISMATCH');
    expect(codeOf(() => loadModel(viaJson(saveModel(horizon12)), saveModel(small).weights))).toBe('WX_MODEL_CONFIG_MISMATCH');
    // A config whose derived lists disagree with this code (e.g. written by another feature layout).
    const edited = viaJson(saveModel(small)) as { encoderFeatures: string[] };
    edited.encoderFeatures = [...edited.encoderFeatures].reverse();
    expect(codeOf(() => loadModel(edited, saveModel(small).weights))).toBe('WX_MODEL_CONFIG_MISMATCH');
    for (const m of [small, big, horizon12]) m.dispose();
  });

  it('a config that is not a model config is WX_MODEL_CONFIG_INVALID', () => {
    const m = model();
    const saved = saveModel(m);
    expect(codeOf(() => loadModel({ hello: 1 }, saved.weights))).toBe('WX_MODEL_CONFIG_INVALID');
    const badHidden = viaJson(saved) as { model: { hidden: number } };
    badHidden.model.hidden = -1;
    expect(codeOf(() => loadModel(badHidden, saved.weights))).toBe('WX_MODEL_CONFIG_INVALID');
    m.dispose();
  });

  it('files round trip through writeModelFiles/readModelFiles without leaking tensors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wx-model-'));
    try {
      const m = model();
      const before = tf.memory().numTensors;
      await writeModelFiles(m, join(dir, 'm'));
      const loaded = await readModelFiles(join(dir, 'm'));
      expect(loaded.version()).toBe(m.version());
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('stacked layers in saved models', () => {
  it('a one-layer model saves no layers field: files written before the option existed are what it writes', () => {
    const saved = saveModel(Seq2Seq.create({ hidden: 6, layers: 1 }));
    expect('layers' in saved.config.model).toBe(false);
    const two = saveModel(Seq2Seq.create({ hidden: 6, layers: 2 }));
    expect(two.config.model.layers).toBe(2);
    expect(two.config.params.map((p) => p.name)).toContain('dec2.bh');
  });

  it('the shipped default weights (no layers field) load as one layer', async () => {
    const model = await readModelFiles(join(import.meta.dirname, '../../src/model/default/model'));
    expect(model.layers).toBe(1);
    expect(model.stateSize).toBe(model.config.hidden);
    model.dispose();
  });

  it('a layers value edited into the JSON is refused: invalid is WX_MODEL_CONFIG_INVALID, another stack WX_MODEL_CONFIG_MISMATCH', () => {
    const saved = saveModel(Seq2Seq.create({ hidden: 6, layers: 2 }));
    const edit = (layers: unknown): unknown => {
      const c = viaJson(saved) as { model: Record<string, unknown> };
      c.model.layers = layers;
      return c;
    };
    expect(codeOf(() => loadModel(edit(7), saved.weights))).toBe('WX_MODEL_CONFIG_INVALID');
    expect(codeOf(() => loadModel(edit('2'), saved.weights))).toBe('WX_MODEL_CONFIG_INVALID');
    // Three layers: its params list is not the file's.
    expect(codeOf(() => loadModel(edit(3), saved.weights))).toBe('WX_MODEL_CONFIG_MISMATCH');
  });
});
