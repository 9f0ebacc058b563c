// Shared conventions of the client-side commands (push, subscribe, replay --url): exit codes scripts can rely on,
// the server URL (default, check) and connection messages, and the two output forms (an aligned table, or JSON
// lines with --json).
import { InvalidArgumentError, type Command } from 'commander';
import type { Writable } from 'node:stream';
import type { ClientError } from '../../client/index.js';
import { resolveEndpoints } from '../../client/endpoints.js';

/** Exit codes of `push` and `subscribe`. */
export const EXIT = {
  /** Everything accepted (duplicates count as accepted: delivery is at-least-once). */
  ok: 0,
  /** Some readings were rejected, or the server refused a subscription. */
  rejected: 1,
  /** Bad arguments, unreadable input file or CSV header. */
  usage: 2,
  /** No connection, or it was lost and acks did not arrive in time. */
  connection: 3,
} as const;

/** A mistake in how the command was called; maps to EXIT.usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Commander reports its own usage errors (unknown option, missing argument) with 1; scripts get 2 like for ours
 * (help stays 0). Set on the root before adding subcommands: each copies it when created.
 */
export function usageExitCode(command: Command): Command {
  return command.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT.usage));
}

/**
 * Checks a server address before anything connects, with the SDK's own rule (resolveEndpoints): `localhost:8080`
 * parses as a URL of scheme "localhost", and `127.0.0.1:8080` not at all, so both would fail later with a message
 * that does not name the option.
 *
 * @example checkServerUrl('localhost:8080') // throws UsageError: --url must be a server address like ws://host:port ...
 */
export function checkServerUrl(url: string): void {
  try {
    resolveEndpoints(url);
  } catch {
    throw new UsageError(`--url must be a server address like ws://host:port or http://host:port, scheme included; got "${url}"`);
  }
}

/** What to tell the user about a failed connection; a 401 without any token asks for one instead of blaming it. */
export function clientErrorMessage(error: ClientError, token: string | undefined): string {
  if (error.code === 'unauthorized' && (token === undefined || token === '')) {
    return 'the server requires a token: pass --token TOKEN or set WXSTREAM_TOKEN (unauthorized)';
  }
  return `${error.message} (${error.code})`;
}

export function defaultServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.WXSTREAM_URL ?? `http://127.0.0.1:${env.WXSTREAM_PORT ?? '8080'}`;
}

/** --url and --token, the same for every command that talks to a running server. */
export function withServerOptions(command: Command): Command {
  return command
    .option('--url <url>', 'server address (env WXSTREAM_URL)', defaultServerUrl())
    .option('--token <token>', 'access token (env WXSTREAM_TOKEN)', process.env.WXSTREAM_TOKEN);
}

export function positiveInt(name: string): (raw: string) => number {
  return (raw) => {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new InvalidArgumentError(`${name} must be a positive integer.`);
    return Number(raw);
  };
}

export function writeJsonLine(out: Writable, value: unknown): void {
  out.write(`${JSON.stringify(value)}\n`);
}

/**
 * Aligned columns with a header row; numbers are right-aligned.
 *
 * @example
 *   formatTable([{ sensor: 'st-1', accepted: 12 }]) // "sensor  accepted\nst-1          12\n"
 */
export function formatTable(rows: readonly Record<string, string | number>[], columns?: readonly string[]): string {
  if (rows.length === 0) return '';
  const cols = columns ?? Object.keys(rows[0]);
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const numeric = cols.map((c) => rows.every((r) => typeof r[c] === 'number'));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cols), ...cells.map(line)].join('\n') + '\n';
}
