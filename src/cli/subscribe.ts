// `wxstream subscribe SENSOR...|'*'`: print forecasts as they are issued, one compact table row or one
// JSON line each, over the client SDK (which reconnects and resubscribes by itself). With --thresholds, each
// row also shows P(temp <= t) per threshold (the protocol's `below`).
import { InvalidArgumentError, type Command } from 'commander';
import type { Writable } from 'node:stream';
import { take, type Subscription } from 'rxjs';
import { ClientError, connect, toForecastMessage, type Forecast, type SocketFactory, type WxClient } from '../../client/index.js';
import { SENSOR_ID, parseThresholdList } from '../protocol/index.js';
import { EXIT, UsageError, checkServerUrl, clientErrorMessage, positiveInt, writeJsonLine, withServerOptions } from './output.js';

export interface SubscribeOptions {
  url: string;
  token?: string;
  sensors: string[] | '*';
  json: boolean;
  /** Temperatures (deg C) to print P(temp <= t) for; default none. */
  thresholds?: readonly number[];
  /** Stop after this many forecasts, the latest ones sent on subscribing included; undefined runs until interrupted. */
  count?: number;
  connectTimeoutMs: number;
  stdout: Writable;
  stderr: Writable;
  /** Aborting ends the run with EXIT.ok (SIGINT in the CLI). */
  signal?: AbortSignal;
  /** Called once subscribed, for tests and scripts that must not miss the first forecast. */
  onReady?: (client: WxClient) => void;
  /** Makes the socket (see ConnectOptions.webSocket); tests pass an in-memory one. */
  webSocket?: SocketFactory;
}

/** Steps ahead shown in the table: the near term, then a few anchors up to the horizon. */
const TABLE_STEPS = [1, 3, 6, 12, 24];

export function parseSensors(args: readonly string[]): string[] | '*' {
  if (args.length === 1 && args[0] === '*') return '*';
  if (args.length === 0) throw new UsageError("give one or more sensor ids, or '*' for all");
  const bad = args.find((s) => !SENSOR_ID.test(s));
  if (bad !== undefined) throw new UsageError(`invalid sensor id "${bad}" (1-64 characters of A-Z a-z 0-9 . _ : -)`);
  return [...new Set(args)];
}

function lead(seconds: number): string {
  if (seconds % 3600 === 0) return `+${seconds / 3600}h`;
  if (seconds % 60 === 0) return `+${seconds / 60}m`;
  return `+${seconds}s`;
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** `--thresholds 0,30`: the list the protocol accepts, or a usage error naming the option. */
export function thresholdsOption(raw: string): number[] {
  const r = parseThresholdList(raw);
  if (!r.ok) throw new InvalidArgumentError(`--thresholds: ${r.message} (${r.code}).`);
  return r.thresholds;
}

/** A probability as a whole percent, but never 0 % or 100 % for what is merely unlikely or likely. */
function percent(p: number): string {
  if (p > 0 && p < 0.01) return '<1%';
  if (p < 1 && p > 0.99) return '>99%';
  return `${Math.round(p * 100)}%`;
}

/** One table row: sensor, origin, then p50 [p10..p90] (and P(<= t) per threshold) at a few leads. */
export function formatForecastRow(f: Forecast): string {
  const cells = TABLE_STEPS.filter((k) => k <= f.points.length).map((k) => {
    const p = f.points[k - 1];
    const below = Object.entries(p.below ?? {})
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([t, prob]) => ` P(<=${t}) ${percent(prob)}`)
      .join('');
    return `${lead(k * f.stepSeconds)} ${p.p50.toFixed(1)} [${p.p10.toFixed(1)}..${p.p90.toFixed(1)}]${below}`;
  });
  const flag = f.degraded ? ' (degraded)' : '';
  return `${f.sensor.padEnd(12)} ${hhmm(f.origin)}Z  ${cells.join('  ')}${flag}\n`;
}

/** Runs until `count` forecasts, an abort or a failure; returns the exit code (see EXIT). */
export async function runSubscribe(options: SubscribeOptions): Promise<number> {
  try {
    checkServerUrl(options.url);
  } catch (error) {
    options.stderr.write(`wxstream subscribe: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  let client: WxClient;
  try {
    client = await connect(options.url, { token: options.token, connectTimeoutMs: options.connectTimeoutMs, webSocket: options.webSocket });
  } catch (error) {
    const message = error instanceof ClientError ? clientErrorMessage(error, options.token) : (error as Error).message;
    options.stderr.write(`wxstream subscribe: ${message}\n`);
    return EXIT.connection;
  }
  const thresholds = options.thresholds ?? [];
  if (!options.json) {
    const what = thresholds.length === 0 ? 'p50 [p10..p90]' : 'p50 [p10..p90] P(temp <= t)';
    options.stdout.write(`${'SENSOR'.padEnd(12)} ORIGIN (UTC)       ${what} by lead time\n`);
  }
  // The SDK reconnects by itself; say so on stderr, so that a silent terminal is not mistaken for a quiet sensor.
  let reconnecting = false;
  const states = client.state$.subscribe((state) => {
    if (state === 'reconnecting') options.stderr.write('wxstream subscribe: connection lost, reconnecting\n');
    else if (state === 'open' && reconnecting) options.stderr.write('wxstream subscribe: reconnected\n');
    reconnecting = state === 'reconnecting';
  });
  let subscription: Subscription | undefined;
  const code = await new Promise<number>((resolve) => {
    const forecasts$ = client.forecasts(options.sensors, { thresholds });
    // take() unsubscribes at the count-th forecast itself: the latest forecasts sent on subscribing arrive in
    // one burst, and a check after each one would let the rest of the burst print before the unsubscribe.
    subscription = (options.count === undefined ? forecasts$ : forecasts$.pipe(take(options.count))).subscribe({
      next: (f) => {
        if (options.json) writeJsonLine(options.stdout, toForecastMessage(f));
        else options.stdout.write(formatForecastRow(f));
      },
      error: (error: unknown) => {
        options.stderr.write(`wxstream subscribe: ${(error as Error).message}\n`);
        resolve(error instanceof ClientError && error.code === 'server_error' ? EXIT.rejected : EXIT.connection);
      },
      // Completes at --count, or when the client stops: closed by an unauthorized token or by us.
      complete: () => {
        const reason = client.closeReason;
        if (reason?.code !== 'unauthorized') return resolve(EXIT.ok);
        options.stderr.write(`wxstream subscribe: ${clientErrorMessage(reason, options.token)}\n`);
        resolve(EXIT.connection);
      },
    });
    options.signal?.addEventListener('abort', () => resolve(EXIT.ok), { once: true });
    if (options.signal?.aborted) resolve(EXIT.ok);
    options.onReady?.(client);
  });
  subscription?.unsubscribe();
  states.unsubscribe();
  await client.close();
  return code;
}

export function register(program: Command): void {
  withServerOptions(
    program
      .command('subscribe')
      .description("print forecasts of the given sensors (or '*' for all) as they are issued")
      .argument('<sensor...>', "sensor ids, or '*' (quoted) for every sensor"),
  )
    .option('--count <n>', 'exit after n forecasts', positiveInt('--count'))
    .option('--thresholds <list>', 'also print P(temp <= t) for these temperatures (deg C, comma-separated, at most 8)', thresholdsOption)
    .option('--json', 'print one JSON line per forecast (the protocol message) instead of a table', false)
    .option('--connect-timeout <ms>', 'give up connecting after this long', positiveInt('--connect-timeout'), 5_000)
    .addHelpText(
      'after',
      `
Exit codes: 0 done (--count reached or interrupted), 1 subscription refused by the server, 2 usage error,
3 connection failure.
Examples:
  wxstream subscribe st-1 st-2
  wxstream subscribe st-1 --thresholds 0,30
  wxstream subscribe '*' --json --count 10 | jq .points[0].p50`,
    )
    .action(async (args: string[], { connectTimeout, ...opts }: { url: string; token?: string; count?: number; json: boolean; thresholds?: number[]; connectTimeout: number }) => {
      let sensors: string[] | '*';
      try {
        sensors = parseSensors(args);
      } catch (error) {
        process.stderr.write(`wxstream subscribe: ${(error as Error).message}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      process.exitCode = await runSubscribe({
        ...opts,
        sensors,
        connectTimeoutMs: connectTimeout,
        stdout: process.stdout,
        stderr: process.stderr,
        signal: abort.signal,
      });
      process.off('SIGINT', onSigint);
    });
}
