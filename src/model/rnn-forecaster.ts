// The live Forecaster: one shared Seq2Seq plus a Map of per-sensor state. observe() advances all given
// sensors in one batched encoder step (O(1) per reading); forecast() decodes all requested sensors at once.
import type { CapturedOrigin, CarriedState, Forecaster, SensorForecast, SensorSnapshot, StepObservation } from '../forecaster.js';
import { currentBackend, type BackendName } from './backend.js';
import { startClock, type ClockState } from './clock.js';
import { architectureTag, withSeasonDays, type ModelConfig, type ModelOptions, type Scale } from './config.js';
import { ModelError } from './errors.js';
import { checkObservation, decoderContextSize, encoderInputSize, writeDecoderContext, writeEncoderInput } from './features.js';
import { Seq2Seq } from './seq2seq.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot.js';
import { SensorSlab } from './sensor-slab.js';
import { advanceTrack, freshTrack, originOf, type SensorTrack } from './track.js';
import { JS_MAX_BATCH } from './kernel-choice.js';
import { KernelRouter, type KernelPath } from './kernel-router.js';
import { applyIntervalScale } from './calibration.js';

export interface RnnForecasterOptions {
  /** Weights to serve; the caller keeps ownership (dispose() leaves it alone). */
  model?: Seq2Seq;
  /** Used only without `model`: a fresh seeded model that the forecaster owns. */
  config?: ModelOptions;
  /**
   * Batches up to this size run on the plain-JS kernels (js-kernels.ts) instead of tfjs, whose per-op
   * dispatch dominates small batches (docs/benchmarks.md); 0 = always tfjs. Both agree to ~1e-6.
   * Default: the measured limits of the backend that runs (kernel-choice.ts), for steps and decodes apart.
   */
  jsMaxBatch?: number;
  /**
   * On a tensorflow process, run mid-size batches on a wasm twin of the weights (kernel-router.ts); default: when
   * wasm is initialised beside it. false keeps every non-JS batch on tensorflow (the cross-backend tests).
   */
  wasmTwin?: boolean;
  /**
   * Where this node's stations are (UTC offset, hours): a new sensor's clock starts from the shift that offset
   * suggests instead of the UTC clock, until its own estimate takes over (clock.ts). Default: UTC clock.
   */
  stationUtcOffsetHours?: number;
  /**
   * Whole days added to every sensor's time-feature clock: SOUTHERN_SEASON_DAYS (182) where the stations are
   * southern (config stationHemisphere), so they meet the weights' northern seasons. Default 0.
   */
  seasonDays?: number;
}

/** The wasm crossover (kernel-choice.ts), which bench/kernels.ts measures. */
export const DEFAULT_JS_MAX_BATCH = JS_MAX_BATCH.wasm.step;

const CARRIED_KIND = 'rnn-clock-1';

interface RnnCarried extends CarriedState {
  clock: ClockState;
  /** The mean daily profile (models with dailyProfile), learnt from the readings like the clock. */
  profile?: Float32Array;
}

interface RnnOrigin extends CapturedOrigin {
  hidden: Float32Array;
  base: number;
  scale: Scale;
  info: ReturnType<typeof originOf>['info'];
  version: string;
}

export class RnnForecaster implements Forecaster {
  readonly name = 'rnn';
  private readonly model: Seq2Seq;
  private readonly ownsModel: boolean;
  private readonly version: string;
  /** Sensor -> its slot in `slab`, where its hidden state and track live. */
  private readonly sensors = new Map<string, number>();
  private readonly slab: SensorSlab;
  private readonly kernels: KernelRouter;
  /** Carried states of sensors not observed yet (importCarried before a re-warm): their first track starts from it. */
  private readonly seeds = new Map<string, { clock: ClockState; profile?: Float32Array }>();
  private readonly stationUtcOffsetHours: number | undefined;
  private readonly seasonDays: number;
  /** The model's config with the node's season shift: what sensor tracks are advanced and read with. */
  private readonly trackConfig: ModelConfig;

  constructor(options: RnnForecasterOptions = {}) {
    this.ownsModel = options.model === undefined;
    this.model = options.model ?? Seq2Seq.create(options.config);
    this.version = this.model.version();
    this.slab = new SensorSlab(this.model.stateSize);
    const n = options.jsMaxBatch;
    this.stationUtcOffsetHours = options.stationUtcOffsetHours;
    this.seasonDays = options.seasonDays ?? 0;
    this.trackConfig = withSeasonDays(this.model.config, this.seasonDays);
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
      throw new RangeError(`jsMaxBatch must be an integer >= 0; got ${options.jsMaxBatch}`);
    }
    this.kernels = new KernelRouter(this.model, {
      ...(n === undefined ? {} : { jsMaxBatch: n }),
      ...(options.wasmTwin === undefined ? {} : { wasmTwin: options.wasmTwin }),
    });
  }

  /** The inference path for a batch: plain JS for small ones, tfjs for the rest. */
  private kernel(batch: number, path: KernelPath): Pick<Seq2Seq, 'stepArrays' | 'forecastArrays'> {
    return this.kernels.pick(batch, path);
  }

  get horizon(): number {
    return this.model.config.horizon;
  }

  get stepMs(): number {
    return this.model.config.stepSeconds * 1000;
  }

  /** Architecture + weights checksum, e.g. "gru64c3-1a2b3c4d"; part of every snapshot kind. */
  get modelVersion(): string {
    return this.version;
  }

  get backend(): BackendName {
    return currentBackend();
  }

  /** Number of sensors held. */
  get size(): number {
    return this.sensors.size;
  }

  observe(steps: readonly StepObservation[]): void {
    if (steps.length === 0) return;
    const seen = new Set<string>();
    steps.forEach((s, i) => {
      checkObservation(s, `steps[${i}]`);
      if (seen.has(s.sensor)) throw new ModelError('WX_MODEL_STEP_ORDER', `sensor "${s.sensor}" appears twice in one observe()`);
      seen.add(s.sensor);
      const slot = this.sensors.get(s.sensor);
      const prev = slot === undefined ? undefined : this.slab.lastStep(slot);
      if (prev !== undefined && s.t !== prev + this.stepMs) {
        throw new ModelError('WX_MODEL_STEP_ORDER', `sensor "${s.sensor}": step ${s.t} does not follow ${prev} (fill gaps with temp: null)`);
      }
    });
    const { config, stateSize } = this.model;
    const inSize = encoderInputSize(config);
    const x = new Float32Array(steps.length * inSize);
    const h = new Float32Array(steps.length * stateSize);
    // Tracks are advanced on copies and committed only after the tfjs step succeeded.
    const next = steps.map((s, b) => {
      const slot = this.sensors.get(s.sensor);
      const track = slot === undefined ? this.seededTrack(s.sensor) : this.slab.trackOf(slot, s.sensor);
      writeEncoderInput(s, advanceTrack(track, s, this.trackConfig), config, x, b * inSize);
      if (slot !== undefined) this.slab.copyHidden(slot, h, b * stateSize);
      return track;
    });
    const out = this.kernel(steps.length, 'step').stepArrays(x, h, steps.length);
    steps.forEach((s, b) => {
      const slot = this.slotFor(s.sensor);
      this.slab.setTrack(slot, next[b]);
      this.slab.setHidden(slot, out, b * stateSize);
      this.seeds.delete(s.sensor);
    });
  }

  /** A new sensor's track: fresh, but with its carried clock when one was imported, else the declared offset's. */
  private seededTrack(sensor: string): SensorTrack {
    const track = freshTrack();
    const seed = this.seeds.get(sensor);
    track.clock = seed !== undefined ? { ...seed.clock } : startClock(this.model.config.normalization.clock, this.stationUtcOffsetHours);
    if (seed?.profile !== undefined && this.model.config.dailyProfile) track.profile = seed.profile.slice();
    return track;
  }

  /** Hours this sensor's time features add to UTC (clock.ts); undefined when not held or the model has no clock. */
  clockShiftHours(sensor: string): number | undefined {
    const slot = this.sensors.get(sensor);
    if (slot === undefined || this.model.config.normalization.clock === null) return undefined;
    return this.slab.trackOf(slot, sensor).clock.shift;
  }

  /**
   * The clock estimate (clock.ts) is the sensor's, not the weights': carried into the forecaster of promoted
   * weights, a station keeps its aligned clock instead of waiting another week on the UTC clock. (The running
   * temperature statistics are rebuilt by the re-warm, as before.)
   */
  exportCarried(sensor: string): CarriedState | undefined {
    const slot = this.sensors.get(sensor);
    if (slot === undefined) return undefined;
    const track = this.slab.trackOf(slot, sensor);
    return { kind: CARRIED_KIND, clock: { ...track.clock }, ...(track.profile ? { profile: track.profile } : {}) } as RnnCarried;
  }

  importCarried(sensor: string, carried: CarriedState): void {
    if (carried.kind !== CARRIED_KIND) return;
    const { clock, profile } = carried as RnnCarried;
    const slot = this.sensors.get(sensor);
    if (slot === undefined) {
      this.seeds.set(sensor, { clock: { ...clock }, ...(profile ? { profile: profile.slice() } : {}) });
      return;
    }
    const track = this.slab.trackOf(slot, sensor);
    track.clock = { ...clock };
    if (profile !== undefined && this.model.config.dailyProfile) track.profile = profile.slice();
    this.slab.setTrack(slot, track);
  }

  forecast(sensors: readonly string[]): SensorForecast[] {
    return this.forecastCaptured(this.capture(sensors));
  }

  /** Copies of each sensor's state and origin now; decode them later, many at once, with forecastCaptured. */
  capture(sensors: readonly string[]): RnnOrigin[] {
    const { config } = this.model;
    return sensors.map((sensor) => {
      const slot = this.sensors.get(sensor);
      if (slot === undefined) throw new ModelError('WX_MODEL_UNKNOWN_SENSOR', `sensor "${sensor}" has no state; observe it first`);
      const o = originOf(this.slab.trackOf(slot, sensor), this.trackConfig);
      // A copy: the slab row is overwritten by the next observe().
      const hidden = this.slab.hiddenOf(slot).slice();
      return { sensor, origin: o.info.t, hidden, base: o.base, scale: o.scale, info: o.info, version: this.version };
    });
  }

  /** One batched decode of captured origins (of this forecaster's current weights). */
  forecastCaptured(captured: readonly CapturedOrigin[]): SensorForecast[] {
    if (captured.length === 0) return [];
    const { config, stateSize } = this.model;
    const batch = captured.length;
    const h = new Float32Array(batch * stateSize);
    const ctx = new Float32Array(config.horizon * batch * decoderContextSize(config));
    const origins = captured.map((c, b) => {
      const o = c as RnnOrigin;
      if (o.version !== this.version || o.hidden === undefined) {
        throw new ModelError('WX_MODEL_SNAPSHOT_MISMATCH', `origin of "${c.sensor}" was captured under other weights`);
      }
      h.set(o.hidden, b * stateSize);
      writeDecoderContext(o.info, config, ctx, b, batch);
      return o;
    });
    const out = this.kernel(batch, 'decode').forecastArrays(h, ctx, batch);
    applyIntervalScale(out, config.horizon, batch, config.intervalScale);
    const stepMs = this.stepMs;
    return origins.map(({ sensor, base, scale, info }, b) => {
      const at = (k: number, j: number): number => base + scale.sd * out[(k * batch + b) * 4 + j];
      const points = Array.from({ length: config.horizon }, (_, k) => ({
        ts: info.t + (k + 1) * stepMs,
        p10: at(k, 0),
        p50: at(k, 1),
        p90: at(k, 2),
        mean: at(k, 3),
      }));
      return { sensor, origin: info.t, points };
    });
  }

  /** Copy of a sensor's packed recurrent state ([h] or [h | c]), for tests and diagnostics. */
  hiddenState(sensor: string): Float32Array | undefined {
    const slot = this.sensors.get(sensor);
    return slot === undefined ? undefined : this.slab.hiddenOf(slot).slice();
  }

  has(sensor: string): boolean {
    return this.sensors.has(sensor);
  }

  lastStep(sensor: string): number | undefined {
    const slot = this.sensors.get(sensor);
    return slot === undefined ? undefined : this.slab.lastStep(slot);
  }

  /** Snapshot kind: forecaster, architecture and weights version; importing any other kind is refused. */
  get snapshotKind(): string {
    return `rnn:${architectureTag(this.model.config)}:${this.version}`;
  }

  exportState(sensor: string): SensorSnapshot | undefined {
    const slot = this.sensors.get(sensor);
    if (slot === undefined) return undefined;
    const state = { hidden: this.slab.hiddenOf(slot), track: this.slab.trackOf(slot, sensor) };
    return { kind: this.snapshotKind, data: encodeSnapshot(state, this.model.config.covariates, this.model.layers) };
  }

  importState(sensor: string, snapshot: SensorSnapshot): void {
    if (snapshot.kind !== this.snapshotKind) {
      throw new ModelError('WX_MODEL_SNAPSHOT_MISMATCH', `snapshot kind "${snapshot.kind}" is not "${this.snapshotKind}"`);
    }
    const state = decodeSnapshot(sensor, snapshot.data, this.model.config.covariates, this.model.stateSize, this.model.layers);
    const slot = this.slotFor(sensor);
    this.slab.setTrack(slot, state.track);
    this.slab.setHidden(slot, state.hidden);
  }

  drop(sensor: string): void {
    this.seeds.delete(sensor);
    const slot = this.sensors.get(sensor);
    if (slot === undefined) return;
    this.sensors.delete(sensor);
    this.slab.release(slot);
  }

  /** The sensor's slot, a fresh one (zero state) for a new sensor. */
  private slotFor(sensor: string): number {
    let slot = this.sensors.get(sensor);
    if (slot === undefined) {
      slot = this.slab.alloc();
      this.sensors.set(sensor, slot);
    }
    return slot;
  }

  dispose(): void {
    this.sensors.clear();
    this.slab.clear();
    this.kernels.dispose();
    if (this.ownsModel) this.model.dispose();
  }
}
