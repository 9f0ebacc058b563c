// The service's storage, one SQLite file behind small repository interfaces; the pipeline only sees `Store`.
import { openDatabase, type Database } from './open-database.js';
import { SqliteReadingStore, type ReadingStore } from './reading-store.js';
import { SqliteSensorStateStore, type SensorStateStore } from './sensor-state-store.js';
import { SqliteModelStore, type ModelStore } from './model-store.js';
import { SqliteForecastStore, type ForecastStore } from './forecast-store.js';
import { SqliteTokenStore, type TokenStore } from './token-store.js';
import { SqliteFaultStore, type FaultStore } from './fault-store.js';
import type { OpenOptions } from './open-database.js';
import { DbFileGuard } from './file-guard.js';

export type { ReadingStore, SensorRow } from './reading-store.js';
export type { SensorStateStore, SensorStateRow, RestorableSensor, StoredSnapshot } from './sensor-state-store.js';
export type { ModelStore, ModelVersionRow, NewModelVersion, ModelStatus } from './model-store.js';
export type { ForecastStore, IssuedForecast } from './forecast-store.js';
export type { TokenStore, TokenRow, TokenScope, NewToken } from './token-store.js';
export { inScope } from './token-store.js';
export type { FaultStore, FaultRow } from './fault-store.js';
export { openDatabase, type OpenOptions } from './open-database.js';

export interface Store {
  readonly path: string;
  readonly readings: ReadingStore;
  readonly states: SensorStateStore;
  readonly models: ModelStore;
  readonly forecasts: ForecastStore;
  readonly tokens: TokenStore;
  /** Plausibility faults per sensor: spans of readings training must skip. */
  readonly faults: FaultStore;
  /**
   * Record the grid step on first use and refuse a different one later: snapshots and buckets of one database
   * only make sense on one grid.
   */
  checkStep(stepMs: number): void;
  /** A value of the node's small key-value table (`meta`), e.g. the served band factors. */
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  /**
   * Run `read` in one read transaction: it sees the database as it was when `onPinned` was called (right after the
   * snapshot is taken, before `read`), whatever other connections commit meanwhile (WAL).
   */
  snapshot<T>(onPinned: () => void, read: () => T): T;
  close(): void;
}

export class SqliteStore implements Store {
  readonly readings: ReadingStore;
  readonly states: SensorStateStore;
  readonly models: ModelStore;
  readonly forecasts: ForecastStore;
  readonly tokens: TokenStore;
  readonly faults: FaultStore;
  /** The connection itself, for tools and fault-injection tests; the service goes through the repositories. */
  readonly db: Database;

  constructor(
    readonly path: string,
    options: OpenOptions = {},
  ) {
    this.db = openDatabase(path, options);
    const guard = new DbFileGuard(path, this.db);
    this.readings = new SqliteReadingStore(this.db, { beforeCommit: () => guard.check(), afterFailure: () => guard.rescue() });
    this.states = new SqliteSensorStateStore(this.db);
    this.models = new SqliteModelStore(this.db);
    this.forecasts = new SqliteForecastStore(this.db);
    this.tokens = new SqliteTokenStore(this.db);
    this.faults = new SqliteFaultStore(this.db);
  }

  getMeta(key: string): string | undefined {
    return this.db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  snapshot<T>(onPinned: () => void, read: () => T): T {
    this.db.exec('BEGIN');
    try {
      // A deferred transaction takes its snapshot at its first read.
      this.db.prepare('SELECT count(*) FROM meta').get();
      onPinned();
      return read();
    } finally {
      this.db.exec('COMMIT');
    }
  }

  checkStep(stepMs: number): void {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'step_ms'").pluck().get() as string | undefined;
    if (row === undefined) {
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('step_ms', ?)").run(String(stepMs));
    } else if (Number(row) !== stepMs) {
      throw new RangeError(
        `option "stepSeconds" (--step) is ${stepMs / 1000} but database ${this.path} was built with ${Number(row) / 1000}; ` +
          'use the same step or another database',
      );
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function openStore(path: string, options: OpenOptions = {}): Store {
  return new SqliteStore(path, options);
}
