// startServer behind the database lock: the lock is taken before the database is opened and released after it is
// closed, so two servers never serve one database (src/store/db-lock.ts). Kept apart from start-server.ts.
import { DEFAULTS } from '../config.js';
import { lockDatabase } from '../store/db-lock.js';
import { startServer as startUnlocked, type RunningServer, type StartServerOptions } from './start-server.js';

/** @throws DbLockedError (code WXSTREAM_DB_LOCKED) when a live process already serves the database */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const db = options.db ?? DEFAULTS.db;
  // A malformed db option is left to startServer's validation, which names it.
  const lock = typeof db === 'string' && db !== '' ? await lockDatabase(db) : undefined;
  let running: RunningServer;
  try {
    running = await startUnlocked(options);
  } catch (err) {
    await lock?.release();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    ...running,
    close: () =>
      (closing ??= running.close().then(
        () => lock?.release(),
        async (err: unknown) => {
          await lock?.release();
          throw err;
        },
      )),
  };
}
