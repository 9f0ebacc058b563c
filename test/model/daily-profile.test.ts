// The dailyProfile decoder input: a sensor's own mean daily profile (track.ts), the same in training windows and
// live, kept by snapshots and carried across weight swaps; models without it are unchanged.
import { describe, expect, it } from 'vitest';
import { buildWindows, RnnForecaster, Seq2Seq } from '../../src/model/index.js';
import { resolveModelConfig } from '../../src/model/config.js';
import { decoderContextNames, decoderContextSize } from '../../src/model/features.js';
import { decodeSnapshot, encodeSnapshot } from '../../src/model/snapshot.js';
import { advanceTrack, freshTrack, originOf } from '../../src/model/track.js';
import { crc32 } from '../../src/model/checksum.js';
import { useTestBackend } from './helpers.js';
import { diurnalSeries, HOUR_MS, T0 } from './synthetic.js';

useTestBackend();

const withProfile = resolveModelConfig({ dailyProfile: true, covariates: [] });
const cycle = (t: number) => 5 * Math.sin((2 * Math.PI * ((t / HOUR_MS) % 24)) / 24);

describe('daily profile', () => {
  it('learns a station\'s own daily cycle: the decoder sees its change from the origin hour to each target hour', () => {
    const track = freshTrack();
    let t = T0;
    for (let i = 0; i < 24 * 20; i++) {
      t += HOUR_MS;
      advanceTrack(track, { sensor: 's', t, temp: 10 + cycle(t) }, withProfile);
    }
    const o = originOf(track, withProfile);
    expect(o.info.profileDelta).toHaveLength(24);
    // The profile is temperature minus the running level, which follows the cycle a little (24 h half-life): the
    // shape is the cycle's, the size somewhat less.
    const truth = Array.from({ length: 24 }, (_, k) => (cycle(t + (k + 1) * HOUR_MS) - cycle(t)) / o.scale.sd);
    const got = Array.from(o.info.profileDelta!);
    const dot = (x: number[], y: number[]) => x.reduce((a, v, i) => a + v * y[i]!, 0);
    expect(dot(got, truth) / Math.sqrt(dot(got, got) * dot(truth, truth))).toBeGreaterThan(0.97);
    const ratio = Math.sqrt(dot(got, got) / dot(truth, truth));
    expect(ratio).toBeGreaterThan(0.6);
    expect(ratio).toBeLessThan(1.2);
    // A model without the input has neither the column nor the state.
    const plain = resolveModelConfig({ covariates: [] });
    expect(decoderContextSize(withProfile)).toBe(decoderContextSize(plain) + 1);
    expect(decoderContextNames(withProfile).at(-1)).toBe('profile_delta');
    const other = freshTrack();
    advanceTrack(other, { sensor: 's', t: T0, temp: 1 }, plain);
    expect(other.profile).toBeUndefined();
    expect(originOf(other, plain).info.profileDelta).toBeUndefined();
  });

  it('training windows carry the profile live decoding uses at the same origin', () => {
    const model = Seq2Seq.create({ hidden: 8, seed: 2, dailyProfile: true, covariates: [] });
    const series = diurnalSeries({ steps: 24 * 5, missing: 0.05 });
    const windows = buildWindows(series, { config: model.config, contextLength: 48, stride: 7 });
    const live = new RnnForecaster({ model });
    const C = decoderContextSize(model.config);
    let checked = 0;
    for (const s of series) {
      live.observe([s]);
      const w = windows.find((x) => x.origin === s.t);
      if (!w) continue;
      const captured = live.capture(['s1'])[0]!;
      for (let k = 0; k < 24; k++) expect(w.decoder[k * C + C - 1]).toBe(captured.info.profileDelta![k]);
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
    live.dispose();
    model.dispose();
  });

  it('snapshots keep it (format 3); format 2 snapshots still load, without one', () => {
    const track = freshTrack();
    for (let i = 1; i <= 30; i++) advanceTrack(track, { sensor: 's', t: T0 + i * HOUR_MS, temp: 10 + cycle(T0 + i * HOUR_MS) }, withProfile);
    const hidden = Float32Array.from({ length: 4 }, (_, i) => i / 10);
    const bytes = encodeSnapshot({ hidden, track }, []);
    const back = decodeSnapshot('s', bytes, [], 4);
    expect(back.track.profile).toEqual(track.profile);
    expect(back.hidden).toEqual(hidden);
    // The same state as format 2 wrote it: a 112-byte header (no profile count, no layer count), no profile.
    const plain = encodeSnapshot({ hidden, track: { ...track, profile: undefined } }, []);
    const v2 = new Uint8Array(plain.length - 4);
    v2.set(plain.subarray(0, 112));
    v2.set(plain.subarray(116, plain.length - 4), 112);
    new DataView(v2.buffer).setUint16(4, 2, true);
    new DataView(v2.buffer).setUint32(v2.length - 4, crc32(v2.subarray(0, v2.length - 4)), true);
    // Cut inside the format-3 header: truncated, not a RangeError from the byte view.
    expect(() => decodeSnapshot('s', bytes.subarray(0, 113), [], 4)).toThrow(expect.objectContaining({ code: 'WX_MODEL_TRUNCATED' }));
    const old = decodeSnapshot('s', v2, [], 4);
    expect(old.track.profile).toBeUndefined();
    expect(old.track.norm).toEqual(track.norm);
    expect(old.hidden).toEqual(hidden);
  });

  it('a restored sensor and one carried across a swap forecast like one that never stopped', () => {
    const model = Seq2Seq.create({ hidden: 8, seed: 3, dailyProfile: true, covariates: [] });
    const series = diurnalSeries({ steps: 24 * 4 });
    const a = new RnnForecaster({ model });
    for (const s of series.slice(0, 80)) a.observe([s]);
    const b = new RnnForecaster({ model });
    b.importState('s1', a.exportState('s1')!);
    // Carried (as at a promotion): the next forecaster starts the sensor from the carried clock and profile.
    const c = new RnnForecaster({ model });
    c.importCarried('s1', a.exportCarried('s1')!);
    const fresh = new RnnForecaster({ model });
    for (const s of series.slice(80)) for (const f of [a, b, c, fresh]) f.observe([s]);
    expect(b.forecast(['s1'])).toEqual(a.forecast(['s1']));
    // In deg C: the running sd restarts with the level after a swap.
    const delta = (f: RnnForecaster) => {
      const o = f.capture(['s1'])[0]!;
      return Array.from(o.info.profileDelta!, (d) => d * o.scale.sd);
    };
    expect(delta(b)).toEqual(delta(a));
    // Carried, the profile goes on from a's (its running level restarts, as after every swap, so not bit for bit);
    // without it only the last 16 hours' slots are known and most deltas are 0.
    const distance = (x: number[], y: number[]) => Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]!) ** 2, 0));
    expect(distance(delta(c), delta(a))).toBeLessThan(distance(delta(fresh), delta(a)) / 3);
    expect(delta(fresh).filter((d) => d === 0).length).toBeGreaterThan(5);
    for (const f of [a, b, c, fresh]) f.dispose();
    model.dispose();
  });
});
