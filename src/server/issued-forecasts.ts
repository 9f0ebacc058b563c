// Bookkeeping of issued forecasts: the latest one per sensor (decoded on demand when stale, through the pipeline's
// issue path), and storage in issued_forecasts, written in one transaction per `flushMs` (or `flushRows`).
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Logger } from '../log.js';
import { serializeBatch, type DegradedCheck, type SerializedBatch, type SerializedForecast } from '../pipeline/serialize-batch.js';
import { issueForecasts } from '../pipeline/issue-forecasts.js';
import type { LiveSkill } from '../pipeline/live-skill.js';
import type { SensorKeeper } from '../pipeline/sensor-keeper.js';
import type { ForecastStore, IssuedForecast } from '../store/index.js';

export interface IssuedForecastsOptions {
  keeper: SensorKeeper;
  skill: LiveSkill;
  forecasts: ForecastStore;
  stepSeconds: number;
  /** Days of issued forecasts kept, back from the newest origin (event time, so replays prune alike); 0 = all. */
  retentionDays: number;
  log: Logger;
  /** A batch was recorded (metrics). */
  onIssued?: (batch: SerializedBatch) => void;
  /** Points scored at once when a stale sensor is decoded here (as the pipeline reports its own). */
  onScored?: (n: number) => void;
  /** Plausibility: forecasts of sensors with recently flagged data are marked degraded. */
  degraded?: DegradedCheck;
  /**
   * The clock `issuedAt` is read from (the pipeline's), and where the delayed write runs. A row costs about half in
   * a transaction of 1,000 than in one of 10 (96 vs 160-200 us; benchmark 5 issues ~10 forecasts per tick), and the
   * write leaves the path from reading to forecast. Rows only feed verification after a restart and analysis: a
   * crash loses at most the last `flushMs` of them (a graceful stop writes them).
   */
  scheduler: SchedulerLike;
  /** Longest a recorded forecast waits to be stored (ms, default 250). */
  flushMs?: number;
  /** Pending rows that are written at once (default 1000). */
  flushRows?: number;
}

interface Latest extends SerializedForecast {
  modelVersion: number;
}

export class IssuedForecasts {
  private readonly latest = new Map<string, Latest>();
  private unsaved: IssuedForecast[] = [];
  private newestOrigin = -Infinity;
  private timer: Subscription | undefined;

  constructor(private readonly o: IssuedForecastsOptions) {}

  /**
   * Record a decoded batch: latest cache and (at the end of the tick) storage. Verification is the issuer's: the
   * forecast pipeline issues its batches to the live skill in event order, `get` the ones it decodes itself.
   */
  record(batch: SerializedBatch): void {
    const rows: IssuedForecast[] = [];
    for (const s of batch.serialized) {
      const f = s.forecast;
      const prev = this.latest.get(f.sensor);
      const fresh = prev === undefined || prev.forecast.origin !== f.origin || prev.modelVersion !== batch.modelVersion;
      this.latest.set(f.sensor, { ...s, modelVersion: batch.modelVersion });
      if (f.origin > this.newestOrigin) this.newestOrigin = f.origin;
      if (fresh) {
        rows.push({ ...f, modelVersion: batch.modelVersion, issuedAt: batch.issuedAt, stepMs: this.o.stepSeconds * 1000 });
      }
    }
    this.o.onIssued?.(batch);
    if (rows.length === 0) return;
    this.unsaved.push(...rows);
    const { scheduler, flushMs = 250, flushRows = 1000 } = this.o;
    if (this.unsaved.length >= flushRows) this.flush();
    else this.timer ??= scheduler.schedule(() => this.flush(), flushMs);
  }

  /**
   * After a restart: take each sensor's stored forecast from its last closed step as its latest, so a subscriber
   * gets what was served before the stop rather than a fresh decode (its bands would differ: they kept adapting).
   * Nothing is stored or verified again.
   */
  seed(stored: readonly IssuedForecast[]): void {
    const { keeper } = this.o;
    const last = stored.filter((f) => f.modelVersion === keeper.modelVersion && f.origin === keeper.lastClosed(f.sensor));
    if (last.length === 0) return;
    const batch = serializeBatch({ forecasts: last, modelVersion: keeper.modelVersion, issuedAt: this.o.scheduler.now() }, this.o.stepSeconds, this.o.degraded);
    for (const s of batch.serialized) this.latest.set(s.forecast.sensor, { ...s, modelVersion: keeper.modelVersion });
  }

  /** Sensors the model holds whose latest forecast is missing or older than their last step (or model). */
  stale(sensors: readonly string[]): string[] {
    const { keeper } = this.o;
    const f = keeper.forecaster;
    return sensors.filter((s) => {
      if (!f.has(s)) return false;
      const l = this.latest.get(s);
      return l === undefined || l.forecast.origin !== f.lastStep(s) || l.modelVersion !== keeper.modelVersion;
    });
  }

  /** Latest forecast of each sensor the model holds, decoding (one batch) those older than its last step. */
  get(sensors: readonly string[]): SerializedForecast[] {
    const { keeper } = this.o;
    const f = keeper.forecaster;
    const stale = this.stale(sensors);
    if (stale.length > 0) {
      const { scheduler, skill, onScored } = this.o;
      const issuer = { keeper, skill, now: () => scheduler.now(), ...(onScored ? { onScored } : {}) };
      const batch = issueForecasts(issuer, { sensors: stale }, keeper.modelVersion);
      this.record(serializeBatch(batch, this.o.stepSeconds, this.o.degraded));
    }
    return sensors.flatMap((s) => {
      const l = this.latest.get(s);
      return l && f.has(s) ? [l] : [];
    });
  }

  /** Drop the latest forecasts of sensors this node gave up (their partition was revoked). */
  forget(sensors: readonly string[]): void {
    for (const s of sensors) this.latest.delete(s);
  }

  /** Delete stored forecasts older than the retention; returns how many. */
  prune(): number {
    if (this.o.retentionDays === 0 || this.newestOrigin === -Infinity) return 0;
    this.flush();
    try {
      return this.o.forecasts.pruneBefore(this.newestOrigin - this.o.retentionDays * 86_400_000);
    } catch (err) {
      this.o.log.error({ err }, 'pruning issued forecasts failed');
      return 0;
    }
  }

  /** Write pending rows now (also at shutdown). */
  flush(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    const rows = this.unsaved;
    if (rows.length === 0) return;
    this.unsaved = [];
    try {
      this.o.forecasts.insertMany(rows);
    } catch (err) {
      this.o.log.error({ err }, 'storing issued forecasts failed');
    }
  }
}
