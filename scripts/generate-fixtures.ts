// Regenerates the synthetic fixtures in fixtures/ (seeded, byte-identical on every run), or checks them.
// Usage: node bin/run-script.js scripts/generate-fixtures.ts [--check]
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { FIXTURES, renderFixture } from '../src/replay/fixtures.js';

const check = process.argv.includes('--check');
const dir = resolve(import.meta.dirname, '..', 'fixtures');
let stale = 0;
for (const spec of FIXTURES) {
  const path = resolve(dir, spec.file);
  const text = renderFixture(spec);
  if (check) {
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current !== text) {
      stale += 1;
      console.error(`stale: ${spec.file}`);
    }
    continue;
  }
  await writeFile(path, text);
  console.log(`wrote ${spec.file} (${text.length} bytes, ${text.split('\n').length - 2} rows)`);
}
if (stale > 0) process.exit(1);
