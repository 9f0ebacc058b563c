// Shared CLI helper: a commander argument parser for strict integers whose error names the flag.
import { InvalidArgumentError } from 'commander';

/** @example program.option('--port <n>', 'TCP port', intOption('--port')) */
export function intOption(flag: string): (raw: string) => number {
  return (raw) => {
    if (!/^\s*-?\d+\s*$/.test(raw)) throw new InvalidArgumentError(`${flag} must be an integer; got "${raw}"`);
    return Number(raw);
  };
}
