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
  /** The newest issued forecast of a sensor. */
  latest(sensor: string): IssuedForecast | undefined;
  /** Forecasts of a sensor with origin > `after`, oldest first (pending verification after a restart). */
  since(sensor: string, after: number): IssuedForecast[];
  /** Delete forecasts whose origin is before `origin`; returns how many. */
  pruneBefore(origin: number): number;
}

interface DbRow {
  sensor: string;
  origin: number;
  modelVersion: number;
  issuedAt: number;
  stepMs: number;
  points: string;
}

// Points are stored as [mean, p10, p50, p90] tuples: a third of the JSON size of objects, and ts is implied.
const encode = (points: readonly ForecastPoint[]): string =>
  JSON.stringify(points.map((p) => [p.mean, p.p10, p.p50, p.p90]));

const toRow = (r: DbRow): IssuedForecast => ({
  sensor: r.sensor,
  origin: r.origin,
  modelVersion: r.modelVersion,
  issuedAt: r.issuedAt,
  stepMs: r.stepMs,
  points: (JSON.parse(r.points) as number[][]).map(([mean, p10, p50, p90], k) => ({
    ts: r.origin + (k + 1) * r.stepMs,
    mean: mean!,
    p10: p10!,
    p50: p50!,
    p90: p90!,
  })),
});

export class SqliteForecastStore implements ForecastStore {
  private readonly upsert;
  private readonly selectLatest;
  private readonly selectSince;
  private readonly prune;
  private readonly tx;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT OR REPLACE INTO issued_forecasts (sensor, origin, model_version, issued_at, step_ms, points_json)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    const cols = `sensor, origin, model_version AS modelVersion, issued_at AS issuedAt, step_ms AS stepMs,
      points_json AS points`;
    this.selectLatest = db.prepare(
      `SELECT ${cols} FROM issued_forecasts WHERE sensor = ? ORDER BY origin DESC, model_version DESC LIMIT 1`,
    );
    this.selectSince = db.prepare(
      `SELECT ${cols} FROM issued_forecasts WHERE sensor = ? AND origin > ? ORDER BY origin, model_version`,
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

  latest(sensor: string): IssuedForecast | undefined {
    const r = this.selectLatest.get(sensor) as DbRow | undefined;
    return r && toRow(r);
  }

  since(sensor: string, after: number): IssuedForecast[] {
    return (this.selectSince.all(sensor, after) as DbRow[]).map(toRow);
  }

  pruneBefore(origin: number): number {
    return this.prune.run(origin).changes;
  }
}
