// Notices the database file deleted or replaced under a running server. SQLite would go on writing to the unlinked
// file, and acks would stand for readings nobody can read after a restart; the guard fails those writes instead.
import { statSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

/** Thrown inside the ingest transaction (so it rolls back) when the file at the path is not the one open. */
export class DbFileGoneError extends Error {
  readonly code = 'WXSTREAM_DB_FILE_GONE';
}

/**
 * @example
 *   const guard = new DbFileGuard('/data/wx.db', db);
 *   guard.check(); // throws DbFileGoneError once the file was deleted or replaced
 */
export class DbFileGuard {
  private readonly ino: number | undefined;
  private gone = false;
  private rescued = false;

  constructor(
    private readonly path: string,
    private readonly db: Database,
  ) {
    this.ino = path === ':memory:' ? undefined : statSync(path).ino;
  }

  /** Throws when the file at the path is gone or another one. Costs one stat (~5 us) per transaction. */
  check(): void {
    if (this.ino === undefined) return;
    let ino: number | undefined;
    try {
      ino = statSync(this.path).ino;
    } catch {
      ino = undefined;
    }
    if (ino === this.ino) return;
    if (ino === undefined) this.gone = true;
    throw new DbFileGoneError(
      ino === undefined
        ? `the database file was deleted under the server; its content is saved to ${this.rescuePath}: stop the server, put that file in place and restart`
        : 'the database file was replaced under the server; restart the server to serve from the new file',
    );
  }

  /** Where the content of a deleted database file is saved. */
  get rescuePath(): string {
    return `${this.path}.rescued`;
  }

  /**
   * Once a transaction found the file deleted and rolled back: the unlinked file (and its WAL) is still readable
   * through the open connection, so copy it out, once, synchronously (VACUUM INTO cannot run inside the transaction,
   * and an asynchronous backup could still be running when the server closes), before the refusal that names the
   * copy is sent. Not back to its own path: a -wal file left there would be replayed onto the copy at the next start.
   */
  rescue(): void {
    if (!this.gone || this.rescued) return;
    this.rescued = true;
    try {
      this.db.prepare('VACUUM INTO ?').run(this.rescuePath);
    } catch {
      // The folder is gone too, or the disk is full: nothing more this process can do.
    }
  }
}
