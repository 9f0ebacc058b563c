// Structured logging for the whole process: one pino logger, JSON lines on stderr (stdout stays for CLI output).
import { pino, type Logger } from 'pino';

const level = process.env.WXSTREAM_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');

export const log: Logger = pino({ level, base: { app: 'wxstream' } }, pino.destination(2));

export type { Logger };
