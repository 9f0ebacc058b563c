// The per-sensor clock alignment (src/model/clock.ts): a station k hours east or west of another, with the same
// weather in local time, gets a clock k hours apart, so the model sees the very same inputs; the estimate is
// stable against seasonal drift and silent without a daily cycle; snapshots carry it; older models and
// snapshots keep their UTC clock.
import { describe, expect, it } from 'vitest';
import type { StepObservation } from '../../src/forecaster.js';
import { crc32 } from '../../src/model/checksum.js';
import {
  buildWindows,
  RnnForecaster,
  DEFAULT_CLOCK,
  hintedShift,
  startClock,
  freshClock,
  loadModel,
  resolveModelConfig,
  saveModel,
  Seq2Seq,
  updateClock,
  type ClockState,
} from '../../src/model/index.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/model/snapshot.js';
import { advanceTrack, freshTrack } from '../../src/model/track.js';
import { createRng } from '../../src/random.js';
import { codeOf, useTestBackend } from './helpers.js';
import { HOUR_MS, T0 } from './synthetic.js';

useTestBackend();

const config = resolveModelConfig({ hidden: 4, covariates: [] });

/** Hourly steps whose daily cycle peaks at `peakUtc` (hours), with AR(1) weather; the same draws for any peak. */
function station(peakUtc: number, options: { steps?: number; amplitude?: number; drift?: number } = {}): StepObservation[] {
  const { steps = 24 * 20, amplitude = 5, drift = 0 } = options;
  const rng = createRng(7);
  let ar = 0;
  return Array.from({ length: steps }, (_, i) => {
    ar = 0.9 * ar + 0.5 * rng.normal();
    const t = T0 + (i + 1) * HOUR_MS;
    // A peak that wanders by `drift` hours over a 60-day "season".
    const peak = peakUtc + drift * Math.sin((2 * Math.PI * i) / (24 * 60));
    const temp = 10 + amplitude * Math.cos((2 * Math.PI * (i + 1 - peak)) / 24) + ar;
    return { sensor: 's', t, temp: Math.round(temp * 100) / 100 };
  });
}

/** The clock after each step. */
function clocks(series: readonly StepObservation[]): ClockState[] {
  const track = freshTrack();
  return series.map((s) => (advanceTrack(track, s, config), { ...track.clock }));
}

/** The same local weather k hours further west: every reading k hours later in UTC. */
const west = (series: readonly StepObservation[], k: number): StepObservation[] => series.map((s) => ({ ...s, t: s.t + k * HOUR_MS }));

describe('clock alignment', () => {
  it('shifts a sensor k hours west by k hours more than its twin, once minHours of readings are in', () => {
    // Peaks far from the reference's, so that both twins move (within engageHours of it a clock stays put).
    const home = station(14);
    for (const k of [3, 8, -4]) {
      const a = clocks(home);
      const b = clocks(west(home, k));
      const settled = DEFAULT_CLOCK.minHours;
      expect(a.slice(0, settled - 1).every((c) => c.shift === 0)).toBe(true);
      const last = (c: ClockState[]) => c[c.length - 1].shift;
      expect(((last(b) - last(a) + k + 36) % 24) - 12).toBe(0);
      expect(last(b)).not.toBe(last(a));
    }
  });

  it('gives twins k hours apart the very same model inputs once their clocks are set', () => {
    const home = station(14, { steps: 24 * 16 });
    // 3 h west: shifts -7 and -10. (Across the +-12 h wrap the hour inputs agree too, the day of year by a day.)
    const away = west(home, 3);
    const wa = buildWindows(home, { config, contextLength: 24, stride: 24 });
    const wb = buildWindows(away, { config, contextLength: 24, stride: 24 });
    expect(wb).toHaveLength(wa.length);
    // From minHours on both clocks are set (each shift moved once, at minHours).
    const late = wa.map((w, i) => [w, wb[i]] as const).filter(([w]) => w.start >= DEFAULT_CLOCK.minHours);
    expect(late.length).toBeGreaterThan(5);
    for (const [a, b] of late) {
      expect(Array.from(b.encoder)).toEqual(Array.from(a.encoder));
      expect(Array.from(b.decoder)).toEqual(Array.from(a.decoder));
    }
    // ...and without the alignment they differ (the test would pass trivially otherwise).
    const utc = resolveModelConfig({ hidden: 4, covariates: [], normalization: { clock: null } });
    const ua = buildWindows(home, { config: utc, contextLength: 24, stride: 24 });
    const ub = buildWindows(away, { config: utc, contextLength: 24, stride: 24 });
    expect(Array.from(ub[5].encoder)).not.toEqual(Array.from(ua[5].encoder));
  });

  it('does not move with a peak drifting by +-1.5 h over the seasons, nor without a daily cycle', () => {
    const drifting = clocks(station(20, { steps: 24 * 120, drift: 1.5 }));
    const moves = drifting.filter((c, i) => i > 0 && c.shift !== drifting[i - 1].shift).length;
    expect(moves).toBe(1);
    const flat = clocks(station(20, { amplitude: 0 }));
    expect(flat.every((c) => c.shift === 0)).toBe(true);
  });

  it('leaves a sensor whose peak is within engageHours of the reference on the UTC clock', () => {
    let s = freshClock();
    // anomaly = cos(angle - phase) with the peak at the reference hour + 2 h: target -2 h, below engageHours 2.5.
    const peak = DEFAULT_CLOCK.referenceHour + 2;
    for (let i = 1; i <= 24 * 10; i++) {
      const t = T0 + i * HOUR_MS;
      const hour = (t % 86_400_000) / HOUR_MS;
      s = updateClock(s, 3 * Math.cos((2 * Math.PI * (hour - peak)) / 24), t, HOUR_MS, DEFAULT_CLOCK);
    }
    expect(s.shift).toBe(0);
    // 3 h away it moves, to the nearest whole hour; once shifted it follows the estimate more closely.
    let f = freshClock();
    for (let i = 1; i <= 24 * 10; i++) {
      const t = T0 + i * HOUR_MS;
      const hour = (t % 86_400_000) / HOUR_MS;
      f = updateClock(f, 3 * Math.cos((2 * Math.PI * (hour - peak - 1)) / 24), t, HOUR_MS, DEFAULT_CLOCK);
    }
    expect(f.shift).toBe(-3);
  });
});

describe('clock in snapshots and saved models', () => {
  const series = station(14, { steps: 24 * 8 });
  const track = freshTrack();
  for (const s of series) advanceTrack(track, s, config);
  const hidden = Float32Array.from({ length: 4 }, (_, i) => i / 10);

  it('a snapshot carries the clock; a format-1 snapshot (before the clock) loads with a fresh one', () => {
    expect(track.clock.shift).not.toBe(0);
    const bytes = encodeSnapshot({ hidden, track }, []);
    const back = decodeSnapshot('s', bytes, [], 4);
    expect(back.track.clock).toEqual(track.clock);
    // Format 1: the same bytes without the clock's 40 (72..111), the profile count (112..113, format 3) and the layer
    // count (114..115, format 4), format field 1, checksum redone.
    const body = new Uint8Array(bytes.length - 44);
    body.set(bytes.subarray(0, 72));
    body.set(bytes.subarray(116, bytes.length - 4), 72);
    const v = new DataView(body.buffer);
    v.setUint16(4, 1, true);
    v.setUint32(body.length - 4, crc32(body.subarray(0, body.length - 4)), true);
    const old = decodeSnapshot('s', body, [], 4);
    expect(old.track.clock).toEqual(freshClock());
    expect(old.track.norm).toEqual(track.norm);
    expect(Array.from(old.hidden)).toEqual(Array.from(hidden));
    v.setUint16(4, 9, true);
    expect(codeOf(() => decodeSnapshot('s', body, [], 4))).toBe('WX_MODEL_FORMAT_VERSION');
  });

  it('a model saved before the clock existed loads with the UTC clock and its weights still match', () => {
    const model = Seq2Seq.create({ hidden: 4, normalization: { clock: null } });
    const saved = saveModel(model);
    const legacy = structuredClone(saved.config) as unknown as { model: { normalization: Record<string, unknown> } };
    delete legacy.model.normalization.clock;
    const loaded = loadModel(legacy, saved.weights);
    expect(loaded.config.normalization.clock).toBeNull();
    expect(loaded.getWeights()).toEqual(model.getWeights());
    // A current model names its clock; the same weights under another clock are another model.
    const aligned = Seq2Seq.create({ hidden: 4 });
    expect(aligned.config.normalization.clock).toEqual(DEFAULT_CLOCK);
    const other = saveModel(aligned);
    const tampered = structuredClone(other.config) as unknown as { model: { normalization: { clock: { referenceHour: number } } } };
    tampered.model.normalization.clock.referenceHour = 3;
    expect(codeOf(() => loadModel(tampered, other.weights))).toBe('WX_MODEL_CONFIG_MISMATCH');
    [model, loaded, aligned].forEach((m) => m.dispose());
  });

  it('rejects a bad clock config naming the option', () => {
    expect(() => resolveModelConfig({ normalization: { clock: { referenceHour: 24 } } })).toThrow(/normalization\.clock\.referenceHour/);
    expect(() => resolveModelConfig({ normalization: { clock: { engageHours: 0 } } })).toThrow(/normalization\.clock\.engageHours/);
  });
});

describe('clock carried between forecasters', () => {
  const series = station(14, { steps: 24 * 8 });
  const clockOf = (f: RnnForecaster, s: string) => (f.exportCarried(s) as unknown as { clock: ClockState } | undefined)?.clock;

  it('seeds a sensor not held yet (its first step already uses the shift); ignores foreign kinds; drop forgets', () => {
    const a = new RnnForecaster({ config: { hidden: 4, covariates: [] } });
    for (const s of series) a.observe([s]);
    const carried = a.exportCarried('s')!;
    expect(clockOf(a, 's')!.shift).not.toBe(0);

    const b = new RnnForecaster({ config: { hidden: 4, covariates: [], seed: 9 } });
    b.importCarried('s', carried);
    b.importCarried('s', { kind: 'something-else' });
    b.observe([series[series.length - 1]]);
    // The seeded clock, untouched by b's first reading (a fresh track has no level to take an anomaly from yet).
    expect(clockOf(b, 's')).toEqual(clockOf(a, 's'));

    const c = new RnnForecaster({ config: { hidden: 4, covariates: [], seed: 9 } });
    c.importCarried('s', carried);
    c.drop('s');
    c.observe([series[0]]);
    expect(clockOf(c, 's')!.count).toBe(0);
    [a, b, c].forEach((f) => f.dispose());
  });
});

describe('declared station offset', () => {
  it('suggests the shift of a station at that UTC offset (the shipped reference is Beijing, UTC+8)', () => {
    expect(hintedShift(DEFAULT_CLOCK, 8)).toBe(0);
    expect(hintedShift(DEFAULT_CLOCK, 1)).toBe(-7);
    expect(hintedShift(DEFAULT_CLOCK, -5)).toBe(11); // -13 h wraps to +11 h
    expect(hintedShift(DEFAULT_CLOCK, 5.5)).toBe(-2); // -2.5 rounds half up, to -2
    expect(startClock(null, 1)).toEqual(freshClock());
    expect(startClock(DEFAULT_CLOCK, undefined)).toEqual(freshClock());
  });

  it('starts a new sensor from the declared shift; a wrong declaration is corrected by the sensor\'s own estimate', () => {
    // Declared UTC+1 (shift -7), but the data peak where the reference stations' did (its estimate says about 0).
    const f = new RnnForecaster({ config: { hidden: 4, covariates: [] }, stationUtcOffsetHours: 1 });
    const home = station(6, { steps: 24 * 10 });
    f.observe([home[0]]);
    expect(f.clockShiftHours('s')).toBe(-7);
    for (const s of home.slice(1)) f.observe([s]);
    const settled = f.clockShiftHours('s')!;
    expect(Math.abs(settled)).toBeLessThanOrEqual(2);
    // A model on the UTC clock ignores the declaration.
    const utc = new RnnForecaster({ config: { hidden: 4, covariates: [], normalization: { clock: null } }, stationUtcOffsetHours: 1 });
    utc.observe([home[0]]);
    expect(utc.clockShiftHours('s')).toBeUndefined();
    [f, utc].forEach((x) => x.dispose());
  });
});
