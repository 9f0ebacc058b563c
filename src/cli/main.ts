// Entry of the `wxstream` command: builds the command tree (program.ts) and runs it on the process arguments.
import { surviveStdio } from '../log.js';
import { createProgram } from './program.js';

surviveStdio();
await createProgram().parseAsync(process.argv);
