// Structured logging for the whole process: one pino logger, JSON lines on stderr (stdout stays for CLI output).
// The sink drops and counts what stderr cannot take (a reader gone or stalled), so logging never stops the process.
import { pino, type Logger } from 'pino';
import { LogSink } from './log-sink.js';

const level = process.env.WXSTREAM_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');

export const logSink = new LogSink();

export const log: Logger = pino({ level, base: { app: 'wxstream' } }, logSink);

/**
 * Make the process survive its standard streams (called once by the CLI entry): a write to a stdout or stderr whose
 * reader has gone (EPIPE) is dropped instead of raising an uncaught 'error'. (SIGPIPE and SIGXFSZ Node ignores
 * itself, so such writes fail with EPIPE and EFBIG rather than killing the process.)
 */
export function surviveStdio(): void {
  process.stdout.on('error', () => {}); // CLI output nobody reads any more: nothing to do about it
  process.stderr.on('error', () => {
    logSink.dropped += 1;
  });
}

export type { Logger };
