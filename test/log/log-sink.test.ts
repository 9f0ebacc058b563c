// The log sink never blocks nor throws: a stalled pipe fills a bounded backlog (then drops), a pipe whose reader
// has gone drops every line (EPIPE), and a drained pipe gets the backlog in order.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogSink } from '../../src/log-sink.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxlog-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A named pipe with a reader that reads only when told: the write end is what a child's stderr would be. */
function fifo(): { reader: number; writer: number } {
  const path = join(dir, 'fifo');
  expect(spawnSync('mkfifo', [path]).status).toBe(0);
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  // Blocking, like an inherited stderr: the sink must not be blocked by it.
  const writer = openSync(path, constants.O_WRONLY);
  return { reader, writer };
}

function drain(fd: number): string {
  const buf = Buffer.alloc(1 << 16);
  let out = '';
  for (;;) {
    try {
      const n = readSync(fd, buf);
      if (n === 0) return out;
      out += buf.toString('utf8', 0, n);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return out;
      throw err;
    }
  }
}

const line = (i: number) => `${JSON.stringify({ i, pad: 'x'.repeat(100) })}\n`;

describe('LogSink', () => {
  it('keeps writing to a stalled pipe without blocking: a bounded backlog, the rest dropped and counted', () => {
    vi.useFakeTimers();
    const { reader, writer } = fifo();
    const sink = new LogSink({ fd: writer, maxBacklogBytes: 8192 });
    const lines = 2000; // ~230 KB: far more than a pipe (64 KiB) and the backlog hold
    for (let i = 0; i < lines; i++) sink.write(line(i));
    expect(sink.dropped).toBeGreaterThan(0);
    expect(sink.lastError).toBe('backlog');
    // The reader catches up: the backlog follows, in order, after what the pipe already held.
    let got = drain(reader);
    for (let k = 0; k < 20; k++) {
      vi.advanceTimersByTime(20);
      got += drain(reader);
    }
    const seen = got.trim().split('\n').map((l) => (JSON.parse(l) as { i: number }).i);
    expect(seen.length + sink.dropped).toBe(lines);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen[0]).toBe(0);
    sink.close();
    closeSync(writer);
    closeSync(reader);
  });

  it('drops every line once the reader has gone (EPIPE), without throwing', () => {
    const { reader, writer } = fifo();
    const sink = new LogSink({ fd: writer });
    sink.write(line(0));
    expect(drain(reader)).toBe(line(0));
    closeSync(reader);
    for (let i = 1; i <= 100; i++) expect(sink.write(line(i))).toBe(true);
    expect(sink.dropped).toBe(100);
    expect(sink.lastError).toBe('EPIPE');
    sink.flushSync();
    sink.close();
    closeSync(writer);
  });

  it('writes straight through to a file', () => {
    const file = join(dir, 'log.txt');
    writeFileSync(file, '');
    const fd = openSync(file, 'a');
    const sink = new LogSink({ fd });
    sink.write(line(1));
    sink.write(line(2));
    sink.close();
    closeSync(fd);
    expect(readFileSync(file, 'utf8')).toBe(line(1) + line(2));
    expect(sink.dropped).toBe(0);
  });
});
