// Where log lines go: stderr, written so that a broken or stalled reader can neither stop nor block the process.
// A line that cannot be written (EPIPE, EFBIG, a full pipe beyond the backlog) is dropped and counted.
import { closeSync, constants, fstatSync, openSync, writeSync } from 'node:fs';

export interface LogSinkOptions {
  /** Descriptor to write to; default 2 (stderr). */
  fd?: number;
  /** Bytes kept waiting while the descriptor cannot take more; lines beyond are dropped. Default 256 KiB. */
  maxBacklogBytes?: number;
  /** Milliseconds between attempts to write the backlog to a full pipe. Default 20. */
  retryMs?: number;
}

const DEFAULTS: Required<LogSinkOptions> = { fd: 2, maxBacklogBytes: 256 * 1024, retryMs: 20 };

/**
 * A pino destination (anything with `write(line)`). Writes are synchronous but never wait: on a pipe it writes
 * through its own non-blocking descriptor, so a full pipe answers EAGAIN and the line waits in a bounded backlog.
 * A pipe whose reader has gone (EPIPE) stays gone: every later line is dropped at once, without a syscall.
 *
 * @example
 *   const sink = new LogSink();
 *   const log = pino({}, sink);
 *   sink.dropped // lines lost so far
 */
export class LogSink {
  /** Lines (or parts of lines) that could not be written. */
  dropped = 0;
  /** Why the last line was dropped (an errno code, or 'backlog'), for the metric's help and tests. */
  lastError: string | undefined;
  private readonly o: Required<LogSinkOptions>;
  private fd: number;
  private readonly ownFd: boolean;
  private backlog: Buffer[] = [];
  private backlogBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private broken = false;

  constructor(options: LogSinkOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
    if (!Number.isInteger(this.o.maxBacklogBytes) || this.o.maxBacklogBytes < 0) {
      throw new RangeError(`option "maxBacklogBytes" must be a non-negative integer; got ${this.o.maxBacklogBytes}`);
    }
    const own = openNonBlocking(this.o.fd);
    this.fd = own ?? this.o.fd;
    this.ownFd = own !== undefined;
  }

  write(line: string): boolean {
    if (this.broken) return this.drop('EPIPE');
    const buf = Buffer.from(line);
    if (this.backlog.length > 0) return this.enqueue(buf);
    const rest = this.tryWrite(buf);
    if (rest !== undefined) this.enqueue(rest);
    return true;
  }

  /** Write what the backlog holds now, without waiting; what cannot be written is dropped (used right before exit). */
  flushSync(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const pending = this.backlog;
    this.backlog = [];
    this.backlogBytes = 0;
    for (const [i, buf] of pending.entries()) {
      const rest = this.broken ? buf : this.tryWrite(buf);
      if (rest !== undefined) {
        this.drop(this.broken ? 'EPIPE' : 'EAGAIN', pending.length - i);
        return;
      }
    }
  }

  close(): void {
    this.flushSync();
    if (this.ownFd) closeSync(this.fd);
  }

  /** Write `buf` once; returns the unwritten tail when the descriptor is full, undefined when done or dropped. */
  private tryWrite(buf: Buffer): Buffer | undefined {
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown';
        if (code === 'EAGAIN') return off === 0 ? buf : buf.subarray(off);
        if (code === 'EPIPE') this.broken = true;
        this.drop(code);
        return undefined;
      }
    }
    return undefined;
  }

  private enqueue(buf: Buffer): boolean {
    if (this.backlogBytes + buf.length > this.o.maxBacklogBytes) return this.drop('backlog');
    this.backlog.push(buf);
    this.backlogBytes += buf.length;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.retry(), this.o.retryMs);
      this.timer.unref(); // logging never keeps the process alive
    }
    return true;
  }

  private retry(): void {
    this.timer = undefined;
    while (this.backlog.length > 0) {
      const head = this.backlog[0]!;
      const rest = this.broken ? undefined : this.tryWrite(head);
      if (this.broken) {
        this.drop('EPIPE', this.backlog.length);
        this.backlog = [];
        this.backlogBytes = 0;
        return;
      }
      if (rest !== undefined) {
        this.backlogBytes -= head.length - rest.length;
        this.backlog[0] = rest;
        this.timer = setTimeout(() => this.retry(), this.o.retryMs);
        this.timer.unref();
        return;
      }
      this.backlog.shift();
      this.backlogBytes -= head.length;
    }
  }

  private drop(reason: string, lines = 1): boolean {
    this.dropped += lines;
    this.lastError = reason;
    return true;
  }
}

/**
 * A second, non-blocking descriptor on the same pipe (Linux: opening /proc/self/fd/N of a pipe opens the pipe
 * itself, with its own file status flags). Only for pipes: reopening a file would start at another offset, and
 * files and terminals do not stall the way a pipe with a stopped reader does. Undefined when not possible.
 */
function openNonBlocking(fd: number): number | undefined {
  try {
    if (!fstatSync(fd).isFIFO()) return undefined;
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return undefined; // no /proc, or the reader is already gone (ENXIO): write to the descriptor itself
  }
}
