// Schema migrations, applied in order inside one transaction each; SQLite's user_version records how far a file got.
import type { Database } from 'better-sqlite3';

/** Append only: a released migration is never edited, a change is a new entry. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE readings (
    sensor TEXT NOT NULL,
    ts INTEGER NOT NULL,
    temp REAL NOT NULL,
    pressure REAL,
    dewpoint REAL,
    wind REAL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (sensor, ts)
  ) WITHOUT ROWID;

  CREATE TABLE sensors (
    sensor TEXT PRIMARY KEY,
    first_ts INTEGER NOT NULL,
    last_ts INTEGER NOT NULL,
    readings INTEGER NOT NULL DEFAULT 0,
    late INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE model_versions (
    version INTEGER PRIMARY KEY,
    parent INTEGER REFERENCES model_versions(version),
    created_at INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('candidate', 'champion', 'retired', 'rejected')),
    config_json TEXT NOT NULL,
    weights BLOB NOT NULL,
    metrics_json TEXT
  );
  CREATE UNIQUE INDEX one_champion ON model_versions(status) WHERE status = 'champion';

  CREATE TABLE sensor_state (
    sensor TEXT PRIMARY KEY,
    model_version INTEGER NOT NULL,
    kind TEXT NOT NULL,
    snapshot BLOB NOT NULL,
    norm_json TEXT,
    last_closed INTEGER NOT NULL,
    step_ms INTEGER NOT NULL,
    saved_at INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE issued_forecasts (
    sensor TEXT NOT NULL,
    origin INTEGER NOT NULL,
    model_version INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    step_ms INTEGER NOT NULL,
    points BLOB NOT NULL,
    PRIMARY KEY (sensor, origin, model_version)
  ) WITHOUT ROWID;
  CREATE INDEX issued_by_origin ON issued_forecasts(origin);
  `,
  // 2: access tokens (secrets stored only as salted hashes) and plausibility faults per sensor.
  `
  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    can_push INTEGER NOT NULL CHECK (can_push IN (0, 1)),
    can_read INTEGER NOT NULL CHECK (can_read IN (0, 1)),
    scope_json TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  ) WITHOUT ROWID;

  CREATE TABLE sensor_faults (
    sensor TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('stuck', 'spike', 'fahrenheit', 'kelvin')),
    from_ts INTEGER NOT NULL,
    to_ts INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    PRIMARY KEY (sensor, kind, from_ts)
  ) WITHOUT ROWID;
  CREATE INDEX sensor_faults_range ON sensor_faults(sensor, to_ts);
  `,
  // 3: issued forecasts in a rowid table with a unique index instead of WITHOUT ROWID. Their ~430-byte rows are far
  // above the size WITHOUT ROWID suits (SQLite advises it for rows under ~1/20 of a page), and one row per sensor
  // per step lands all over a table ordered by sensor; a rowid table appends them and only the small index entries
  // scatter. Side by side (WAL, batches of 1,000): 90 -> 27 us a row once the table holds 1M rows (10,000 sensors x
  // 100 steps; the default retention of 90 days holds 21.6M at that size), 76-82 -> 15-16 us at 200,000 rows.
  `
  CREATE TABLE issued_forecasts_rowid (
    sensor TEXT NOT NULL,
    origin INTEGER NOT NULL,
    model_version INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    step_ms INTEGER NOT NULL,
    points BLOB NOT NULL
  );
  INSERT INTO issued_forecasts_rowid (sensor, origin, model_version, issued_at, step_ms, points)
    SELECT sensor, origin, model_version, issued_at, step_ms, points FROM issued_forecasts ORDER BY sensor, origin, model_version;
  DROP TABLE issued_forecasts;
  ALTER TABLE issued_forecasts_rowid RENAME TO issued_forecasts;
  CREATE UNIQUE INDEX issued_key ON issued_forecasts(sensor, origin, model_version);
  CREATE INDEX issued_by_origin ON issued_forecasts(origin);
  `,
  // 4: the reading log's position. Each committed ingest transaction gets the next sequence number (kept in meta),
  // stored on its readings and as the sensor's latest; a state snapshot records the sequence it covers and the
  // sensor's open bucket, so restore = snapshot + the readings committed after it, replayed in commit order (exact).
  // norm_json goes: normalization statistics as JSON, stringified per sensor at every snapshot and never read.
  `
  ALTER TABLE readings ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sensors ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sensor_state ADD COLUMN bucket BLOB;
  ALTER TABLE sensor_state ADD COLUMN log_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sensor_state ADD COLUMN plausibility BLOB;
  ALTER TABLE sensor_state DROP COLUMN norm_json;
  `,
];

export function migrate(db: Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this wxstream (${MIGRATIONS.length}); upgrade wxstream`,
    );
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}
