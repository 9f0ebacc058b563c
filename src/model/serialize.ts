// Saved weights: a compact binary blob (header + Float32 LE payload + CRC32) beside a JSON config; loading
// is bit-exact and every inconsistency throws a ModelError with a stable code.
import { readFile, writeFile } from 'node:fs/promises';
import type { ParamSpec } from './cells.js';
import { canonicalJson, crc32, fnv1a } from './checksum.js';
import { resolveModelConfig, type ModelConfig, type ModelOptions } from './config.js';
import { ModelError } from './errors.js';
import { decoderContextNames, encoderFeatureNames } from './features.js';
import { modelParamSpecs, OUTPUTS, Seq2Seq } from './seq2seq.js';

export const WEIGHTS_MAGIC = 'WXMW';
export const WEIGHTS_FORMAT = 1;
/** magic(4) format(u16) tensors(u16) floats(u32) configHash(u32) crc32(u32) */
export const WEIGHTS_HEADER = 20;

/** The JSON half of a saved model: everything needed to rebuild the graph and to read the blob. */
export interface SavedModelConfig {
  format: 'wxstream-rnn';
  version: number;
  model: ModelConfig;
  encoderFeatures: string[];
  decoderFeatures: string[];
  outputs: string[];
  params: ParamSpec[];
}

export interface SavedModel {
  config: SavedModelConfig;
  weights: Uint8Array;
}

export function saveModel(model: Seq2Seq): SavedModel {
  const config = describe(model.config);
  const values = model.getWeights();
  const floats = values.reduce((n, v) => n + v.length, 0);
  const bytes = new Uint8Array(WEIGHTS_HEADER + 4 * floats);
  const view = new DataView(bytes.buffer);
  let at = WEIGHTS_HEADER;
  for (const v of values) for (let i = 0; i < v.length; i++, at += 4) view.setFloat32(at, v[i], true);
  bytes.set(new TextEncoder().encode(WEIGHTS_MAGIC), 0);
  view.setUint16(4, WEIGHTS_FORMAT, true);
  view.setUint16(6, values.length, true);
  view.setUint32(8, floats, true);
  view.setUint32(12, configHash(model.config), true);
  view.setUint32(16, crc32(bytes.subarray(WEIGHTS_HEADER)), true);
  return { config, weights: bytes };
}

/** Rebuild a model from its JSON config (parsed object) and weight blob. */
export function loadModel(config: unknown, weights: Uint8Array): Seq2Seq {
  const saved = checkConfig(config);
  if (!(weights instanceof Uint8Array)) throw new TypeError('weights must be a Uint8Array');
  if (weights.length < WEIGHTS_HEADER) {
    throw new ModelError('WX_MODEL_TRUNCATED', `weights blob has ${weights.length} bytes, header needs ${WEIGHTS_HEADER}`);
  }
  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  if (new TextDecoder().decode(weights.subarray(0, 4)) !== WEIGHTS_MAGIC) {
    throw new ModelError('WX_MODEL_CORRUPT', `weights blob does not start with ${WEIGHTS_MAGIC}`);
  }
  const format = view.getUint16(4, true);
  if (format !== WEIGHTS_FORMAT) throw new ModelError('WX_MODEL_FORMAT_VERSION', `weights format ${format} is not ${WEIGHTS_FORMAT}`);
  const floats = view.getUint32(8, true);
  const expected = WEIGHTS_HEADER + 4 * floats;
  if (weights.length < expected) throw new ModelError('WX_MODEL_TRUNCATED', `weights blob has ${weights.length} bytes, header declares ${expected}`);
  if (weights.length > expected) throw new ModelError('WX_MODEL_CORRUPT', `weights blob has ${weights.length - expected} trailing bytes`);
  if (view.getUint32(16, true) !== crc32(weights.subarray(WEIGHTS_HEADER))) {
    throw new ModelError('WX_MODEL_CORRUPT', 'weights checksum mismatch');
  }
  const specs = saved.params;
  const need = specs.reduce((n, s) => n + size(s), 0);
  if (view.getUint32(12, true) !== configHash(saved.model) || view.getUint16(6, true) !== specs.length || floats !== need) {
    throw new ModelError('WX_MODEL_CONFIG_MISMATCH', 'weights blob was written for another model config');
  }
  let at = WEIGHTS_HEADER;
  const values = specs.map((s) => {
    const out = new Float32Array(size(s));
    for (let i = 0; i < out.length; i++, at += 4) out[i] = view.getFloat32(at, true);
    return out;
  });
  return Seq2Seq.fromWeights(saved.model, values);
}

/** Write `${base}.json` and `${base}.bin`. */
export async function writeModelFiles(model: Seq2Seq, base: string): Promise<void> {
  const { config, weights } = saveModel(model);
  await writeFile(`${base}.json`, JSON.stringify(config, null, 2) + '\n');
  await writeFile(`${base}.bin`, weights);
}

/** Read `${base}.json` and `${base}.bin` written by writeModelFiles. */
export async function readModelFiles(base: string): Promise<Seq2Seq> {
  const [json, bin] = await Promise.all([readFile(`${base}.json`, 'utf8'), readFile(`${base}.bin`)]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ModelError('WX_MODEL_CORRUPT', `${base}.json is not JSON: ${String(err)}`);
  }
  return loadModel(parsed, new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength));
}

function describe(model: ModelConfig): SavedModelConfig {
  return {
    format: 'wxstream-rnn',
    version: WEIGHTS_FORMAT,
    model,
    encoderFeatures: encoderFeatureNames(model),
    decoderFeatures: ['prev_residual', ...decoderContextNames(model)],
    outputs: [...OUTPUTS],
    params: modelParamSpecs(model),
  };
}

function checkConfig(config: unknown): SavedModelConfig {
  const c = config as Partial<SavedModelConfig> | null;
  if (typeof c !== 'object' || c === null || c.format !== 'wxstream-rnn') {
    throw new ModelError('WX_MODEL_CONFIG_INVALID', 'model config is not a wxstream-rnn config');
  }
  if (c.version !== WEIGHTS_FORMAT) throw new ModelError('WX_MODEL_FORMAT_VERSION', `model config version ${c.version} is not ${WEIGHTS_FORMAT}`);
  let model: ModelConfig;
  try {
    model = resolveModelConfig(withLegacyClock(c.model) as ModelOptions | undefined);
  } catch (err) {
    throw new ModelError('WX_MODEL_CONFIG_INVALID', `model config: ${(err as Error).message}`);
  }
  // The feature and parameter lists are derived from the config; a file whose lists differ was written by
  // code with another input layout, and its weights would be silently misread.
  const expected = describe(model);
  for (const key of ['encoderFeatures', 'decoderFeatures', 'outputs', 'params'] as const) {
    if (canonicalJson(c[key]) !== canonicalJson(expected[key])) {
      throw new ModelError('WX_MODEL_CONFIG_MISMATCH', `model config ${key} differ from what this code builds`);
    }
  }
  return expected;
}

/** A saved config written before the clock alignment existed has no `clock`: it loads with the UTC clock (null). */
function withLegacyClock(model: unknown): unknown {
  if (typeof model !== 'object' || model === null) return model;
  const n = (model as { normalization?: unknown }).normalization;
  if (typeof n === 'object' && n !== null && 'clock' in n) return model;
  return { ...model, normalization: { ...(n as object | undefined), clock: null } };
}

/** Hash of the config a weights blob was written for; a null clock is left out, so older blobs still match. */
function configHash(config: ModelConfig): number {
  if (config.normalization.clock !== null) return fnv1a(canonicalJson(config));
  const { clock: _utc, ...normalization } = config.normalization;
  return fnv1a(canonicalJson({ ...config, normalization }));
}

function size(s: ParamSpec): number {
  return s.shape.reduce((a, b) => a * b, 1);
}
