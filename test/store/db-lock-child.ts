// Child of the db-lock test: takes the lock of the given database, says so, and holds it until killed.
// Usage: node bin/run-script.js test/store/db-lock-child.ts DB
import { lockDatabase } from '../../src/store/db-lock.js';

await lockDatabase(process.argv[2]!);
process.stdout.write('locked\n');
setInterval(() => {}, 1 << 30);
