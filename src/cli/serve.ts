// `wxstream serve`: runs the live service until SIGINT/SIGTERM, then stops gracefully (flush, snapshot, close).
// Prints the stream URL on a line of its own on stdout; logs are JSON on stderr.
import type { Command } from 'commander';
import { configFromEnv, ENV_VARS, DEFAULTS, type Hemisphere, type ServeConfig } from '../config.js';
import { log, logSink } from '../log.js';
import { stopOnSignals } from '../server/shutdown.js';
import { intOption } from './int-option.js';
import { addBackendOption } from './backend-option.js';
import type { BackendChoice } from '../model/backend-name.js';
import { addTrainingOptions, trainingFromFlags, type TrainingFlags } from './training-options.js';

interface ServeFlags extends TrainingFlags {
  backend?: BackendChoice;
  port?: number;
  host?: string;
  db?: string;
  step?: number;
  horizon?: number;
  maxReadings?: number;
  grace?: number;
  insecure?: boolean;
  shutdownTimeout?: number;
  stationUtcOffset?: string;
  stationHemisphere?: string;
}

export function registerServe(program: Command): void {
  const cmd = program
    .command('serve')
    .description('accept readings, keep every sensor state live and stream forecasts (ws://HOST:PORT/v1/stream)')
    .option('--port <n>', `TCP port, 0 picks a free one [${ENV_VARS.port}, default ${DEFAULTS.port}]`, intOption('--port'))
    .option('--host <addr>', `address to listen on [${ENV_VARS.host}, default ${DEFAULTS.host}]`)
    .option('--db <file>', `SQLite database file [${ENV_VARS.db}, default ${DEFAULTS.db}]`)
    .option('--step <seconds>', `grid step [${ENV_VARS.stepSeconds}, default ${DEFAULTS.stepSeconds}]`, intOption('--step'))
    .option('--horizon <steps>', `forecast points [${ENV_VARS.horizon}, default ${DEFAULTS.horizon}]`, intOption('--horizon'))
    .option(
      '--max-readings <n>',
      `readings per push frame [${ENV_VARS.maxReadingsPerFrame}, default ${DEFAULTS.maxReadingsPerFrame}]`,
      intOption('--max-readings'),
    )
    .option('--grace <seconds>', `live bucket grace [${ENV_VARS.graceSeconds}, default ${DEFAULTS.graceSeconds}]`, intOption('--grace'))
    .option('--insecure', `allow a non-loopback --host without any token [${ENV_VARS.insecure}]`)
    .option(
      '--shutdown-timeout <seconds>',
      `a stop that takes longer exits without finishing (the next start rebuilds) [${ENV_VARS.shutdownTimeoutSeconds}, default ${DEFAULTS.shutdownTimeoutSeconds}]`,
      intOption('--shutdown-timeout'),
    )
    .option(
      '--station-utc-offset <+hh:mm>',
      `where the stations are: new sensors start from that clock shift instead of UTC [${ENV_VARS.stationUtcOffset}, default none]`,
    )
    .option(
      '--station-hemisphere <north|south>',
      `south: time features shifted half a year, so southern stations meet the weights' seasons [${ENV_VARS.stationHemisphere}, default north]`,
    )
    .addHelpText('after', '\nEvery option, with its environment variable, is listed in docs/configuration.md.');
  addBackendOption(cmd);
  addTrainingOptions(cmd).action(async (flags: ServeFlags) => {
      const fromFlags: Partial<ServeConfig> = {};
      if (flags.port !== undefined) fromFlags.port = flags.port;
      if (flags.host !== undefined) fromFlags.host = flags.host;
      if (flags.db !== undefined) fromFlags.db = flags.db;
      if (flags.step !== undefined) fromFlags.stepSeconds = flags.step;
      if (flags.horizon !== undefined) fromFlags.horizon = flags.horizon;
      if (flags.maxReadings !== undefined) fromFlags.maxReadingsPerFrame = flags.maxReadings;
      if (flags.grace !== undefined) fromFlags.graceSeconds = flags.grace;
      if (flags.insecure) fromFlags.insecure = true;
      if (flags.shutdownTimeout !== undefined) fromFlags.shutdownTimeoutSeconds = flags.shutdownTimeout;
      if (flags.stationUtcOffset !== undefined) fromFlags.stationUtcOffset = flags.stationUtcOffset;
      if (flags.stationHemisphere !== undefined) fromFlags.stationHemisphere = flags.stationHemisphere as Hemisphere;
      if (flags.backend !== undefined) fromFlags.backend = flags.backend;
      let server;
      try {
        // Loaded here, not at the top: every other subcommand starts without the server stack.
        const { startServer } = await import('../server/index.js');
        // Poll for a champion promoted or rolled back with `wxstream models` while serving.
        server = await startServer({ ...configFromEnv(), ...fromFlags, training: trainingFromFlags(flags), championPollMs: 5000 });
      } catch (err) {
        // Bad configuration is the user's to fix: one sentence, no stack. So are a database another server holds and
        // an explicit backend that cannot start.
        const code = (err as { code?: unknown }).code;
        if (err instanceof RangeError || code === 'WXSTREAM_DB_LOCKED' || code === 'WX_BACKEND_UNAVAILABLE') {
          process.stderr.write(`wxstream serve: ${(err as Error).message}\n`);
          process.exit(2);
        }
        const listen = listenFailure(err);
        if (listen !== undefined) {
          process.stderr.write(`wxstream serve: ${listen}\n`);
          process.exit(2);
        }
        // A database another process locks, a full disk, a file that is not SQLite: say which file and why.
        if ((err as { code?: unknown }).code !== undefined && String((err as { code: unknown }).code).startsWith('SQLITE_')) {
          process.stderr.write(`wxstream serve: cannot open database ${fromFlags.db ?? configFromEnv().db ?? DEFAULTS.db}: ${(err as Error).message}\n`);
          process.exit(1);
        }
        throw err;
      }
      // Handlers first: whoever reads the URL line may signal at once, and before a handler exists SIGTERM kills
      // the process without the graceful stop (seen under load, the URL written and the process descheduled).
      const running = server;
      stopOnSignals({
        close: () => running.close(),
        timeoutMs: server.config.shutdownTimeoutSeconds * 1000,
        log,
        flush: () => logSink.flushSync(),
      });
      process.stdout.write(`wxstream listening on ${server.url}\n`);
      log.info({ url: server.url, http: server.httpUrl, db: server.dbPath }, 'serving');
    });
}

/**
 * One sentence for a listen failure that --port or --host fixes, from what Node puts on the error (address, port,
 * hostname); undefined for any other error. It comes after the database is open: a new one exists by then.
 *
 * @example listenFailure(eaddrinuse)
 *   // 'port 8080 on 127.0.0.1 is already in use (option "port", WXSTREAM_PORT); pick another or 0 for a free one'
 */
export function listenFailure(err: unknown): string | undefined {
  const e = err as (NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string }) | undefined;
  const where = `port ${e?.port} on ${e?.address}`;
  const pick = 'pick another or 0 for a free one';
  if (e?.syscall === 'listen' && e.code === 'EADDRINUSE') return `${where} is already in use (option "port", ${ENV_VARS.port}); ${pick}`;
  if (e?.syscall === 'listen' && e.code === 'EACCES') {
    return `no permission to listen on ${where} (option "port", ${ENV_VARS.port}; ports below 1024 usually need privileges); ${pick}`;
  }
  if (e?.syscall === 'listen' && e.code === 'EADDRNOTAVAIL') {
    return `${e.address} is not an address of this machine (option "host", ${ENV_VARS.host}); use 127.0.0.1, 0.0.0.0 or an address of one of its interfaces`;
  }
  if (e?.syscall === 'getaddrinfo') return `host "${e.hostname}" does not resolve (option "host", ${ENV_VARS.host}): ${e.code}`;
  return undefined;
}
