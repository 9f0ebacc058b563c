// Entry of the `wxstream` command: one registration line per subcommand, each defined in its own file.
import { Command } from 'commander';
import { registerServe } from './serve.js';

const program = new Command('wxstream')
  .description('real-time streaming temperature forecaster for weather sensor networks')
  .showHelpAfterError();

registerServe(program);

await program.parseAsync(process.argv);
