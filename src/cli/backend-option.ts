// The --backend flag of the commands that run a model (serve, replay, eval): parsed here without loading tfjs, and
// for the commands other than serve (whose startServer starts it) the backend started before any work begins.
import { InvalidArgumentError, type Command } from 'commander';
import { BACKEND_CHOICES, isBackendChoice, type BackendChoice } from '../model/backend-name.js';

export const BACKEND_HELP =
  `tfjs backend: ${BACKEND_CHOICES.join('|')}; auto takes tensorflow (tfjs-node) when it loads, else wasm [WXSTREAM_BACKEND, default auto]`;

export function parseBackend(v: string): BackendChoice {
  if (!isBackendChoice(v)) throw new InvalidArgumentError(`must be one of ${BACKEND_CHOICES.join(', ')}`);
  return v;
}

export function addBackendOption(cmd: Command): Command {
  return cmd.option('--backend <name>', BACKEND_HELP, parseBackend);
}

/**
 * Start the chosen backend (flag, else WXSTREAM_BACKEND, else auto); one sentence and exit 2 when it cannot.
 * @param command the command's name for the message, e.g. "replay"
 */
export async function startBackend(command: string, flag: BackendChoice | undefined): Promise<void> {
  const m = await import('../model/backend.js');
  try {
    await m.initBackend(flag ?? m.backendFromEnv());
  } catch (err) {
    if (!(err instanceof m.BackendUnavailableError) && !(err instanceof RangeError)) throw err;
    process.stderr.write(`wxstream ${command}: ${err.message}\n`);
    process.exit(2);
  }
}
