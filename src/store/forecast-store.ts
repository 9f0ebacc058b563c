// Issued forecasts, kept so that live verification survives restarts and later analysis can compare versions.
import type { Database } from 'better-sqlite3';
import type { ForecastPoint } from '../forecaster.js';

export interface IssuedForecast {
  sensor: string;
  origin: number;
  modelVersion: number;
  issuedAt: number;
  stepMs: number;
  points: ForecastPoint[];
}

export interface ForecastStore {
  insertMany(rows: readonly IssuedForecast[]): void;
  /**
   * Forecasts issued by `modelVersion` with origin > `after.get(sensor)`, for every sensor of `after`, ordered by
   * sensor and origin: the pending verifications of a whole restart in one query.
   */
  pending(after: ReadonlyMap<string, number>, modelVersion: number): IssuedForecast[];
  /** Delete forecasts whose origin is before `origin`; returns how many. */
  pruneBefore(origin: number): number;
}

interface DbRow {
  sensor: string;
  origin: number;
  modelVersion: number;
  issuedAt: number;
  stepMs: number;
  points: Buffer;
}

// Points are stored as float32 (mean, p10, p50, p90) per step, ts implied by origin and step: 16 bytes a point
// instead of ~80 of JSON, and no JSON on the hot path. Float32 is what the model computes in anyway.
const encode = (points: readonly ForecastPoint[]): Buffer => {
  const a = new Float32Array(points.length * 4);
  points.forEach((p, k) => a.set([p.mean, p.p10, p.p50, p.p90], k * 4));
  return Buffer.from(a.buffer);
};

const toRow = (r: DbRow): IssuedForecast => {
  const a = new Float32Array(r.points.buffer.slice(r.points.byteOffset, r.points.byteOffset + r.points.byteLength));
  const points: ForecastPoint[] = [];
  for (let k = 0; k * 4 < a.length; k++) {
    points.push({ ts: r.origin + (k + 1) * r.stepMs, mean: a[k * 4]!, p10: a[k * 4 + 1]!, p50: a[k * 4 + 2]!, p90: a[k * 4 + 3]! });
  }
  return { sensor: r.sensor, origin: r.origin, modelVersion: r.modelVersion, issuedAt: r.issuedAt, stepMs: r.stepMs, points };
};

export class SqliteForecastStore implements ForecastStore {
  private readonly upsert;
  private readonly selectPending;
  private readonly prune;
  private readonly tx;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO issued_forecasts (sensor, origin, model_version, issued_at, step_ms, points)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    // The cut-offs travel as one JSON object; CROSS JOIN keeps json_each outside, so each sensor is one index seek.
    this.selectPending = db.prepare(
      `SELECT f.sensor, f.origin, f.model_version AS modelVersion, f.issued_at AS issuedAt, f.step_ms AS stepMs, f.points
       FROM json_each(?) c CROSS JOIN issued_forecasts f
       WHERE f.sensor = c.key AND f.origin > c.value AND f.model_version = ?
       ORDER BY f.sensor, f.origin`,
    );
    this.prune = db.prepare('DELETE FROM issued_forecasts WHERE origin < ?');
    this.tx = db.transaction((rows: readonly IssuedForecast[]) => {
      for (const f of rows) {
        this.upsert.run(f.sensor, f.origin, f.modelVersion, f.issuedAt, f.stepMs, encode(f.points));
      }
    });
  }

  insertMany(rows: readonly IssuedForecast[]): void {
    if (rows.length > 0) this.tx(rows);
  }

  pending(after: ReadonlyMap<string, number>, modelVersion: number): IssuedForecast[] {
    if (after.size === 0) return [];
    return (this.selectPending.all(JSON.stringify(Object.fromEntries(after)), modelVersion) as DbRow[]).map(toRow);
  }

  pruneBefore(origin: number): number {
    return this.prune.run(origin).changes;
  }
}
