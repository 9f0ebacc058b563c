// Opens the SQLite file the way the service needs it: folder created, WAL journal, foreign keys, schema migrated.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Database = Database.Database;

export interface OpenOptions {
  /** 'normal' (default): a commit survives a process crash; 'full': also power loss, at an fsync per commit. */
  synchronous?: 'normal' | 'full';
  /** Milliseconds a statement waits for another process's lock before failing with SQLITE_BUSY; default 5000. */
  busyTimeoutMs?: number;
}

export function openDatabase(path: string, options: OpenOptions = {}): Database.Database {
  const { synchronous = 'normal', busyTimeoutMs = 5000 } = options;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: busyTimeoutMs });
  try {
    // WAL lets HTTP reads run beside the ingest writer; NORMAL sync is durable across process crashes in WAL mode.
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
