// Per-sensor model state snapshots (the Forecaster's exportState), tagged with the model version that wrote them,
// so a restart continues exactly where it stopped and a foreign snapshot is never imported.
import type { Database } from 'better-sqlite3';

export interface SensorStateRow {
  sensor: string;
  modelVersion: number;
  kind: string;
  snapshot: Uint8Array;
  /** Normalization statistics when the forecaster exposes them (JSON), else null. */
  norm: string | null;
  /** End of the last step folded into the snapshot, epoch ms. */
  lastClosed: number;
  stepMs: number;
  savedAt: number;
}

export interface SensorStateStore {
  /** Save many snapshots in one transaction (replacing older ones). */
  saveMany(rows: readonly SensorStateRow[]): void;
  load(sensor: string): SensorStateRow | undefined;
  all(): SensorStateRow[];
  delete(sensor: string): void;
}

interface DbRow {
  sensor: string;
  modelVersion: number;
  kind: string;
  snapshot: Buffer;
  norm: string | null;
  lastClosed: number;
  stepMs: number;
  savedAt: number;
}

const toRow = (r: DbRow): SensorStateRow => ({ ...r, snapshot: new Uint8Array(r.snapshot) });

export class SqliteSensorStateStore implements SensorStateStore {
  private readonly upsert;
  private readonly selectOne;
  private readonly selectAll;
  private readonly remove;
  private readonly tx;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO sensor_state (sensor, model_version, kind, snapshot, norm_json, last_closed, step_ms, saved_at)
       VALUES (@sensor, @modelVersion, @kind, @snapshot, @norm, @lastClosed, @stepMs, @savedAt)
       ON CONFLICT(sensor) DO UPDATE SET model_version = excluded.model_version, kind = excluded.kind,
         snapshot = excluded.snapshot, norm_json = excluded.norm_json, last_closed = excluded.last_closed,
         step_ms = excluded.step_ms, saved_at = excluded.saved_at`,
    );
    const cols = `sensor, model_version AS modelVersion, kind, snapshot, norm_json AS norm,
      last_closed AS lastClosed, step_ms AS stepMs, saved_at AS savedAt`;
    this.selectOne = db.prepare(`SELECT ${cols} FROM sensor_state WHERE sensor = ?`);
    this.selectAll = db.prepare(`SELECT ${cols} FROM sensor_state ORDER BY sensor`);
    this.remove = db.prepare('DELETE FROM sensor_state WHERE sensor = ?');
    this.tx = db.transaction((rows: readonly SensorStateRow[]) => {
      for (const r of rows) {
        this.upsert.run({ ...r, snapshot: Buffer.from(r.snapshot.buffer, r.snapshot.byteOffset, r.snapshot.byteLength) });
      }
    });
  }

  saveMany(rows: readonly SensorStateRow[]): void {
    this.tx(rows);
  }

  load(sensor: string): SensorStateRow | undefined {
    const r = this.selectOne.get(sensor) as DbRow | undefined;
    return r && toRow(r);
  }

  all(): SensorStateRow[] {
    return (this.selectAll.all() as DbRow[]).map(toRow);
  }

  delete(sensor: string): void {
    this.remove.run(sensor);
  }
}
