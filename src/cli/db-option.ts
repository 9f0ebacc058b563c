// Shared CLI helper: the database file of the commands that administer one (models, tokens, backup). Only
// `serve` and `tokens add` create a database; the others refuse a path where there is none, so that a typo
// in --db is not answered by a new empty database ("no model versions yet", exit 0).
import { existsSync } from 'node:fs';
import { DEFAULTS, ENV_VARS } from '../config.js';
import { UsageError } from './output.js';

/** --db, else WXSTREAM_DB, else the default; only that variable is read, so another bad one does not matter here. */
export function dbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? (env[ENV_VARS.db] || DEFAULTS.db);
}

/** @throws UsageError naming the path when no database file is there */
export function existingDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const path = dbPath(flag, env);
  if (!existsSync(path)) throw new UsageError(`no database at ${path} (option --db, ${ENV_VARS.db}); check the path, or start wxstream serve once to create it`);
  return path;
}
