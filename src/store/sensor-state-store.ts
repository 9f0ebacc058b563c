// Per-sensor state snapshots on SQLite (src/ports/snapshots.ts): model state, open bucket, plausibility windows and
// the log position they cover, tagged with the model version that wrote them, so a foreign one is never imported.
import type { Database } from 'better-sqlite3';
import type { RestorableSensor, SensorStateRow, SensorStateStore } from '../ports/snapshots.js';

export type { RestorableSensor, SensorStateRow, SensorStateStore, StoredSnapshot } from '../ports/snapshots.js';

/** sensor, last_ts, last_seq, kind, snapshot, last_closed, bucket, log_seq, plausibility: raw rows, cheaper than objects. */
type RestoreDbRow = [string, number, number, string | null, Buffer | null, number | null, Buffer | null, number | null, Buffer | null];

/** A Buffer over the same bytes (no copy): better-sqlite3 binds Buffers as blobs. */
const view = (b: Uint8Array | null): Buffer | null => (b === null ? null : Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export class SqliteSensorStateStore implements SensorStateStore {
  private readonly upsert;
  private readonly selectOne;
  private readonly selectRestorable;
  private readonly tx;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO sensor_state (sensor, model_version, kind, snapshot, last_closed, step_ms, saved_at, bucket, log_seq, plausibility)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(sensor) DO UPDATE SET model_version = excluded.model_version, kind = excluded.kind,
         snapshot = excluded.snapshot, last_closed = excluded.last_closed, step_ms = excluded.step_ms,
         saved_at = excluded.saved_at, bucket = excluded.bucket, log_seq = excluded.log_seq, plausibility = excluded.plausibility`,
    );
    const cols = `sensor, model_version AS modelVersion, kind, snapshot,
      last_closed AS lastClosed, step_ms AS stepMs, saved_at AS savedAt, bucket, log_seq AS logSeq, plausibility`;
    this.selectOne = db.prepare(`SELECT ${cols} FROM sensor_state WHERE sensor = ?`);
    this.selectRestorable = db
      .prepare(
        `SELECT s.sensor, s.last_ts, s.last_seq, st.kind, st.snapshot, st.last_closed, st.bucket, st.log_seq, st.plausibility
         FROM sensors s LEFT JOIN sensor_state st ON st.sensor = s.sensor AND st.model_version = ? AND st.step_ms = ?
         ORDER BY s.sensor`,
      )
      .raw();
    this.tx = db.transaction((rows: readonly SensorStateRow[]) => {
      // Positional parameters, and the snapshot bound as a Buffer view without a copy: a graceful stop (and the
      // periodic snapshot) writes every sensor, 100,000 rows in one pause of the event loop.
      for (const r of rows) {
        this.upsert.run(r.sensor, r.modelVersion, r.kind, view(r.snapshot), r.lastClosed, r.stepMs, r.savedAt, view(r.bucket), r.logSeq, view(r.plausibility));
      }
    });
  }

  saveMany(rows: readonly SensorStateRow[]): void {
    this.tx(rows);
  }

  // Rows are returned as read: the snapshot is a Buffer, which is a Uint8Array, fresh per row (no copy needed).
  load(sensor: string): SensorStateRow | undefined {
    return this.selectOne.get(sensor) as SensorStateRow | undefined;
  }

  restorable(modelVersion: number, stepMs: number): RestorableSensor[] {
    return (this.selectRestorable.all(modelVersion, stepMs) as RestoreDbRow[]).map(
      ([sensor, lastTs, lastSeq, kind, data, lastClosed, bucket, logSeq, plausibility]) => ({
        sensor,
        lastTs,
        lastSeq,
        snapshot: data === null ? undefined : { kind: kind!, data, lastClosed: lastClosed!, bucket, logSeq: logSeq!, plausibility },
      }),
    );
  }
}
