// The soak's kill moments: each waits for its risky moment in the running server (or a seeded random while), kills
// it there with SIGKILL, and reports whether the kill landed inside the moment (read back from the database).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import type { Rng } from '../../src/random.js';
import { withTimeout, type Victim } from './victim.js';

const bin = new URL('../../bin/wxstream.js', import.meta.url).pathname;

export const KINDS = ['random', 'snapshot', 'backup', 'train-worker', 'train-inline', 'swap'] as const;
export type Kind = (typeof KINDS)[number];

export interface KillContext {
  victim: Victim;
  db: string;
  rng: Rng;
  /** A fresh file name for a backup copy. */
  backupFile: () => string;
}

/** What the kill hit: `inside` is false when the moment was provably over (committed) before the kill. */
export interface KillNote {
  inside?: boolean;
  backupExit?: number | null;
  /** The moment was not seen in time: the server was killed anyway, and why is kept here. */
  missed?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function killAt(kind: Kind, c: KillContext): Promise<KillNote> {
  const { victim, rng } = c;
  switch (kind) {
    case 'random': {
      await sleep(300 + rng.int(1500));
      await victim.kill();
      return {};
    }
    case 'snapshot': {
      // The server logs the mark right before its synchronous snapshot; if the snapshot committed before the
      // kill, its rows carry a saved_at at or after the mark.
      const mark = await victim.next('state snapshot started', 15_000);
      await victim.kill();
      const savedAt = readOne<number | null>(c.db, 'SELECT max(saved_at) FROM sensor_state');
      return { inside: savedAt === null || savedAt < (mark.at as number) };
    }
    case 'backup': {
      await sleep(200 + rng.int(300));
      const file = c.backupFile();
      const backup = spawn(process.execPath, [bin, 'backup', file, '--db', c.db, '--force'], { stdio: 'ignore' });
      const exited = once(backup, 'exit');
      // The copy's file appears when the backup starts writing: kill the server then (polled, a few ms at most).
      for (let i = 0; i < 10_000 && !existsSync(file) && backup.exitCode === null; i++) await sleep(2);
      const running = backup.exitCode === null;
      await victim.kill();
      const [code] = (await withTimeout(exited, 60_000, 'backup exit')) as [number | null];
      return { inside: running, backupExit: code };
    }
    case 'train-worker':
    case 'train-inline': {
      const versions = readOne<number>(c.db, 'SELECT count(*) FROM model_versions');
      await victim.next('training round started', 120_000);
      await sleep(rng.int(400));
      await victim.kill();
      // A round that finished records its candidate (promoted, rejected) or logs a skip: none recorded = inside.
      return { inside: readOne<number>(c.db, 'SELECT count(*) FROM model_versions') === versions };
    }
    case 'swap': {
      const other = otherVersion(c.db);
      const promote = spawn(process.execPath, [bin, 'models', 'promote', String(other), '--db', c.db], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      promote.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // With training on, the trainer may promote a candidate of its own before the server polls the champion
      // (5 s): that is a swap and re-warm too, and the database's champion is then the trainer's.
      const swapped = victim.next(['champion changed in the database: swapping it in', 'training candidate promoted'], 30_000);
      swapped.catch(() => {}); // awaited below; a failed promote must not leave it unhandled
      const [code] = (await once(promote, 'exit')) as [number | null];
      if (code !== 0) throw new Error(`models promote ${other} exited ${code}: ${stderr.trim()}`);
      await swapped;
      await sleep(rng.int(100)); // the re-warm runs in slices between ticks from here on
      await victim.kill();
      return {};
    }
  }
}

/** A version to promote that is not the champion; inserts a copy of the champion (same weights) when none exists. */
function otherVersion(db: string): number {
  const conn = new Database(db, { timeout: 5000 });
  try {
    const champion = conn.prepare("SELECT version FROM model_versions WHERE status = 'champion'").pluck().get() as number;
    const other = conn.prepare("SELECT version FROM model_versions WHERE status != 'champion' ORDER BY version DESC LIMIT 1").pluck().get() as
      | number
      | undefined;
    if (other !== undefined) return other;
    const info = conn
      .prepare(
        `INSERT INTO model_versions (parent, created_at, status, config_json, weights, metrics_json)
         SELECT version, ?, 'candidate', config_json, weights, metrics_json FROM model_versions WHERE version = ?`,
      )
      .run(Date.now(), champion);
    return Number(info.lastInsertRowid);
  } finally {
    conn.close();
  }
}

export function readOne<T>(db: string, sql: string): T {
  const conn = new Database(db, { readonly: true, timeout: 5000 });
  try {
    return conn.prepare(sql).pluck().get() as T;
  } finally {
    conn.close();
  }
}
