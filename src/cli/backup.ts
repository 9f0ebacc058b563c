// `wxstream backup FILE`: an online, consistent copy of the database with SQLite's backup API; the server keeps
// ingesting meanwhile (WAL). The copy is checked with `PRAGMA quick_check` before the command reports success.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { DEFAULTS } from '../config.js';
import { existingDbPath } from './db-option.js';

interface BackupFlags {
  db?: string;
  force?: boolean;
}

export interface BackupResult {
  file: string;
  pages: number;
  readings: number;
  seconds: number;
}

/** Copy the database at `source` to `file` online; throws when the copy does not check out. */
export async function backupDatabase(source: string, file: string): Promise<BackupResult> {
  const started = performance.now();
  const db = new Database(source, { fileMustExist: true, timeout: 5000 });
  let pages = 0;
  try {
    await db.backup(file, {
      progress: ({ totalPages }) => {
        pages = totalPages;
        return 1000; // pages per step: short steps leave the writer room between them
      },
    });
  } finally {
    db.close();
  }
  const copy = new Database(file, { readonly: true });
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`the copy at ${file} failed its integrity check: ${String(check)}`);
    const readings = copy.prepare('SELECT count(*) FROM readings').pluck().get() as number;
    return { file, pages, readings, seconds: (performance.now() - started) / 1000 };
  } finally {
    copy.close();
  }
}

export function register(program: Command): void {
  program
    .command('backup <file>')
    .description('copy the database to FILE while the server runs (SQLite online backup)')
    .option('--db <file>', `SQLite database file [WXSTREAM_DB, default ${DEFAULTS.db}]`)
    .option('--force', 'overwrite FILE if it exists')
    .action(async (file: string, flags: BackupFlags) => {
      if (existsSync(file) && !flags.force) {
        process.stderr.write(`wxstream backup: ${file} exists; pass --force to overwrite it\n`);
        process.exit(2);
      }
      let source: string;
      try {
        source = existingDbPath(flags.db);
      } catch (err) {
        process.stderr.write(`wxstream backup: ${(err as Error).message}\n`);
        process.exit(2);
      }
      try {
        const r = await backupDatabase(source, file);
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (err) {
        process.stderr.write(`wxstream backup: ${(err as Error).message}\n`);
        process.exit(1);
      }
    });
}
