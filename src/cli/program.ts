// The `wxstream` command tree: one registration line per subcommand, each defined in its own file.
import { Command } from 'commander';
import { registerServe } from './serve.js';
import { register as registerPush } from './push.js';
import { register as registerSubscribe } from './subscribe.js';
import { register as registerTokens } from './tokens.js';
import { register as registerBackup } from './backup.js';
import { register as registerReplay } from './replay.js';
import { register as registerEval } from './eval.js';
import { register as registerModels } from './models.js';
import { usageExitCode } from './output.js';

export function createProgram(): Command {
  const program = new Command('wxstream')
    .description('real-time streaming temperature forecaster for weather sensor networks')
    .showHelpAfterError();
  // Before any subcommand is added: commander copies the exit handler into each one as it is created.
  usageExitCode(program);
  registerServe(program);
  registerPush(program);
  registerSubscribe(program);
  registerTokens(program);
  registerBackup(program);
  registerReplay(program);
  registerEval(program);
  registerModels(program);
  return program;
}
