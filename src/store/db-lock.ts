// One server per database: a lock the kernel drops with its process (a listening unix socket), so it is never
// stale after a SIGKILL, and a second server learns the holder's pid by connecting to it.
import { createHash } from 'node:crypto';
import { realpathSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';

/** Thrown when a live process holds the database; `pid` is undefined when the holder did not say who it is. */
export class DbLockedError extends Error {
  readonly code = 'WXSTREAM_DB_LOCKED';
  constructor(
    readonly db: string,
    readonly pid: number | undefined,
  ) {
    super(
      `database ${db} is served by another wxstream server (${pid === undefined ? 'a process that did not answer' : `pid ${pid}`}); ` +
        'stop it first, or use another --db',
    );
    this.name = 'DbLockedError';
  }
}

export interface DbLock {
  /** The socket address holding the lock (abstract names start with a NUL byte). */
  readonly address: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** Milliseconds to wait for the holder's answer; default 2000 (a holder busy in a long SQLite wait answers late). */
  answerTimeoutMs?: number;
}

/**
 * Take the lock of `db` (nothing for ':memory:'). On Linux the socket lives in the abstract namespace, named after
 * the database's real path: no file, so nothing to go stale. Elsewhere it is `<db>.lock`, and a socket file nobody
 * listens on (ECONNREFUSED) is a dead holder's: it is removed and taken over.
 *
 * @example
 *   const lock = await lockDatabase('./data/wxstream.db'); // throws DbLockedError when a live server holds it
 *   await lock.release();
 */
export async function lockDatabase(db: string, options: LockOptions = {}): Promise<DbLock> {
  const { answerTimeoutMs = 2000 } = options;
  if (db === ':memory:') return { address: '', release: async () => {} };
  const real = realDbPath(db);
  const abstract = process.platform === 'linux';
  const address = abstract ? `\0wxstream-db:${createHash('sha256').update(real).digest('hex').slice(0, 40)}` : `${real}.lock`;
  // Bounded: each round either takes the lock, names a live holder, or clears a holder that died meanwhile.
  for (let attempt = 0; attempt < 3; attempt++) {
    const server = await listen(address);
    if (server !== undefined) return { address, release: () => new Promise((done) => server.close(() => done())) };
    const holder = await ask(address, answerTimeoutMs);
    if (holder === 'gone') {
      if (!abstract) unlinkQuietly(address);
      continue; // the abstract name is free again as soon as the holder's socket closed
    }
    throw new DbLockedError(db, holder);
  }
  throw new DbLockedError(db, undefined);
}

/** The path two spellings of one database share: the file's real path, or its folder's when it does not exist yet. */
export function realDbPath(db: string): string {
  try {
    return realpathSync(db);
  } catch {
    try {
      return join(realpathSync(dirname(db)), basename(db));
    } catch {
      return resolve(db);
    }
  }
}

/** Listening server on `address`, or undefined when another socket holds it. */
function listen(address: string): Promise<Server | undefined> {
  return new Promise((done, fail) => {
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.end(`${JSON.stringify({ pid: process.pid })}\n`);
    });
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? done(undefined) : fail(err)));
    server.listen(address, () => {
      server.unref(); // the lock never keeps a process alive
      done(server);
    });
  });
}

/** The holder's pid; 'gone' when nobody listens; undefined when it did not answer in time or said nothing usable. */
function ask(address: string, timeoutMs: number): Promise<number | 'gone' | undefined> {
  return new Promise((done) => {
    let text = '';
    const socket = connect(address);
    const finish = (v: number | 'gone' | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      done(v);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => {
      try {
        const pid = (JSON.parse(text) as { pid?: unknown }).pid;
        finish(typeof pid === 'number' ? pid : undefined);
      } catch {
        finish(undefined);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? 'gone' : undefined));
  });
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already removed by another starter
  }
}
