// The bounded stop: a graceful close that hangs is cut off at its deadline with a last line saying so; a second
// signal exits at once; a close that finishes exits 0.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_STOP_TIMEOUT, stopOnSignals } from '../../src/server/shutdown.js';

function capture() {
  const lines: Array<{ msg: string; level: number }> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as { msg: string; level: number }) });
  return { log, lines };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('stopOnSignals', () => {
  it('exits at the deadline when the graceful close never finishes, and says so on its last line', async () => {
    const { log, lines } = capture();
    const exits: number[] = [];
    const order: string[] = [];
    const stop = stopOnSignals({
      close: () => new Promise<void>(() => {}),
      timeoutMs: 10_000,
      log,
      exit: (code) => exits.push(code),
      flush: () => order.push('flush'),
      signals: [],
    });
    stop('SIGTERM');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(exits).toEqual([EXIT_STOP_TIMEOUT]);
    expect(order).toEqual(['flush']);
    expect(lines.at(-1)?.msg).toMatch(/^graceful stop did not finish within 10 s; exiting now, the next start rebuilds/);
  });

  it('exits 0 when the close finishes in time, and 1 at once on a second signal', async () => {
    const exits: number[] = [];
    let finish: () => void = () => {};
    const stop = stopOnSignals({
      close: () => new Promise<void>((resolve) => (finish = resolve)),
      timeoutMs: 10_000,
      log: capture().log,
      exit: (code) => exits.push(code),
      signals: [],
    });
    stop('SIGTERM');
    stop('SIGINT');
    expect(exits).toEqual([EXIT_STOP_TIMEOUT]);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(exits).toEqual([EXIT_STOP_TIMEOUT, 0]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(exits).toEqual([EXIT_STOP_TIMEOUT, 0]); // the deadline was cleared
  });

  it('refuses a deadline that is not a positive number', () => {
    expect(() => stopOnSignals({ close: async () => {}, timeoutMs: 0, log: capture().log, signals: [] })).toThrow(RangeError);
  });
});
