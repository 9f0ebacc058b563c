// Entry of the `wxstream` command: builds the command tree (program.ts) and runs it on the process arguments.
import { createProgram } from './program.js';

await createProgram().parseAsync(process.argv);
