// A stop that always ends: the graceful close (acks, snapshot, db close) gets a deadline, after which the process
// exits anyway; the next start rebuilds from stored readings what the missing snapshot would have held.
import type { Logger } from '../log.js';

export interface BoundedStopOptions {
  /** The graceful stop (RunningServer.close). */
  close: () => Promise<void>;
  /** Milliseconds the graceful stop may take before the process exits without it. */
  timeoutMs: number;
  log: Logger;
  /** Ends the process; default process.exit. */
  exit?: (code: number) => void;
  /** Writes what the log still holds, right before exiting (the sink's flushSync). */
  flush?: () => void;
  /** Signals that stop the server; default SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[];
}

/** Exit code of a stop cut short by its deadline or by a second signal (0: graceful, 1: close failed). */
export const EXIT_STOP_TIMEOUT = 1;

/**
 * Stop on the first of `signals`; a second one, or the deadline, exits at once.
 *
 * @example
 *   stopOnSignals({ close: server.close, timeoutMs: 10_000, log, flush: () => logSink.flushSync() });
 * @returns a function that starts the stop as a signal would (for tests and callers without signals)
 */
export function stopOnSignals(options: BoundedStopOptions): (reason: string) => void {
  const { close, timeoutMs, log, exit = (code: number) => process.exit(code), flush = () => {}, signals = ['SIGINT', 'SIGTERM'] } = options;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`option "timeoutMs" must be a positive number; got ${timeoutMs}`);
  let stopping = false;
  const leave = (code: number): void => {
    flush();
    exit(code);
  };
  const stop = (reason: string): void => {
    if (stopping) {
      log.error({ signal: reason }, 'second stop signal; exiting without finishing the graceful stop');
      leave(EXIT_STOP_TIMEOUT);
      return;
    }
    stopping = true;
    log.info({ signal: reason }, 'stopping');
    // Ref'd on purpose: whatever hangs the close, this timer is what ends the process.
    const deadline = setTimeout(() => {
      log.error(
        { timeoutSeconds: timeoutMs / 1000 },
        `graceful stop did not finish within ${timeoutMs / 1000} s; exiting now, the next start rebuilds the sensor states from stored readings`,
      );
      leave(EXIT_STOP_TIMEOUT);
    }, timeoutMs);
    close().then(
      () => {
        clearTimeout(deadline);
        leave(0);
      },
      (err: unknown) => {
        clearTimeout(deadline);
        log.error({ err }, 'unclean stop');
        leave(1);
      },
    );
  };
  for (const s of signals) process.on(s, () => stop(s));
  return stop;
}
