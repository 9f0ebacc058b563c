// Plausibility faults per sensor (stuck, spike, fahrenheit, kelvin) as time spans of readings. The training loader
// excludes readings inside a span; the live service marks forecasts of recently faulty sensors `degraded`.
import type { Database } from 'better-sqlite3';

export interface FaultRow {
  sensor: string;
  kind: 'stuck' | 'spike' | 'fahrenheit' | 'kelvin';
  /** First and last reading time (epoch ms, inclusive) of the implausible span. */
  from: number;
  to: number;
}

export interface FaultStore {
  /** Record spans in one transaction; a span starting where a recorded one starts extends it. */
  record(faults: readonly FaultRow[], now?: number): void;
  /** Spans of a sensor overlapping [from, to], oldest first. */
  ranges(sensor: string, from: number, to: number): FaultRow[];
  /** Per sensor, the end of its latest flagged span. */
  latest(): Map<string, number>;
}

export class SqliteFaultStore implements FaultStore {
  private readonly upsert;
  private readonly selectRanges;
  private readonly selectLatest;
  private readonly tx;

  constructor(db: Database) {
    this.upsert = db.prepare(
      `INSERT INTO sensor_faults (sensor, kind, from_ts, to_ts, detected_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(sensor, kind, from_ts) DO UPDATE SET to_ts = max(to_ts, excluded.to_ts)`,
    );
    const cols = 'sensor, kind, from_ts AS "from", to_ts AS "to"';
    this.selectRanges = db.prepare(
      `SELECT ${cols} FROM sensor_faults WHERE sensor = ? AND to_ts >= ? AND from_ts <= ? ORDER BY from_ts, kind`,
    );
    this.selectLatest = db.prepare('SELECT sensor, max(to_ts) FROM sensor_faults GROUP BY sensor').raw();
    this.tx = db.transaction((faults: readonly FaultRow[], now: number) => {
      for (const f of faults) this.upsert.run(f.sensor, f.kind, f.from, f.to, now);
    });
  }

  record(faults: readonly FaultRow[], now = Date.now()): void {
    if (faults.length > 0) this.tx(faults, now);
  }

  ranges(sensor: string, from: number, to: number): FaultRow[] {
    return this.selectRanges.all(sensor, from, to) as FaultRow[];
  }

  latest(): Map<string, number> {
    return new Map(this.selectLatest.all() as Array<[string, number]>);
  }
}
