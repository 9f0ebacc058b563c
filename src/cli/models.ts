// `wxstream models list|show|promote|rollback|import`: inspect model versions, change the champion, add weights
// trained elsewhere. A running `wxstream serve` on the same database notices a changed champion within seconds.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULTS, ENV_VARS } from '../config.js';
import { openStore, type ModelVersionRow, type Store } from '../store/index.js';
import { dbPath, existingDbPath } from './db-option.js';
import { missingModelFile } from './model-files.js';
import { EXIT, formatTable, positiveInt, writeJsonLine } from './output.js';

interface DbFlags {
  db?: string;
  json?: boolean;
}

function withStore<T>(flags: DbFlags, fn: (store: Store) => T): T {
  let path: string;
  try {
    path = existingDbPath(flags.db);
  } catch (err) {
    fail((err as Error).message);
  }
  const store = openStore(path);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function fail(message: string, code: number = EXIT.usage): never {
  process.stderr.write(`wxstream models: ${message}\n`);
  process.exit(code);
}

type Summary = Omit<ModelVersionRow, 'weights'>;

function metric(v: Summary, key: 'champion' | 'candidate'): string {
  const m = v.metrics as { [k: string]: { mae?: number } } | null;
  const mae = m?.[key]?.mae;
  return typeof mae === 'number' ? mae.toFixed(3) : '';
}

function row(v: Summary): Record<string, string | number> {
  const m = v.metrics as { reason?: string; cutoff?: number } | null;
  return {
    version: v.version,
    parent: v.parent ?? '',
    status: v.status,
    created: new Date(v.createdAt).toISOString(),
    'val MAE': metric(v, 'candidate'),
    'parent MAE': metric(v, 'champion'),
    reason: m?.reason ?? '',
  };
}

export function register(program: Command): void {
  const models = program.command('models').description('list, inspect, promote and roll back model versions');
  const dbOption = `SQLite database file [${ENV_VARS.db}, default ${DEFAULTS.db}]`;

  models.command('list')
    .description('every version with lineage, status and validation metrics, newest first')
    .option('--db <file>', dbOption)
    .option('--json', 'JSON lines instead of a table')
    .action((flags: DbFlags) =>
      withStore(flags, (store) => {
        const list = store.models.list();
        if (flags.json) list.forEach((v) => writeJsonLine(process.stdout, v));
        else process.stdout.write(list.length ? `${formatTable(list.map(row))}\n` : 'no model versions yet\n');
      }),
    );

  models.command('show')
    .argument('<version>', 'model version', positiveInt('version'))
    .description('one version: config, metrics and weight size')
    .option('--db <file>', dbOption)
    .action((version: number, flags: DbFlags) =>
      withStore(flags, (store) => {
        const v = store.models.get(version);
        if (!v) fail(`model version ${version} does not exist`, EXIT.rejected);
        const { weights, ...rest } = v;
        writeJsonLine(process.stdout, { ...rest, weightBytes: weights.byteLength });
      }),
    );

  models.command('promote')
    .argument('<version>', 'model version to serve', positiveInt('version'))
    .description('make a version the champion (a running server swaps it in within seconds)')
    .option('--db <file>', dbOption)
    .action((version: number, flags: DbFlags) =>
      withStore(flags, (store) => {
        if (!store.models.get(version)) fail(`model version ${version} does not exist`, EXIT.rejected);
        store.models.promote(version);
        process.stdout.write(`model ${version} is the champion\n`);
      }),
    );

  models.command('import')
    .argument('<base>', 'model files without their extension: BASE.json and BASE.bin, as `npm run train:default -- --out BASE` writes them')
    .description('add weights trained elsewhere (another climate: docs/training.md) as a new version')
    .option('--db <file>', `${dbOption}; created when absent, so a node can start from these weights`)
    .option('--promote', 'make it the champion at once (a running server swaps it in within seconds)')
    .action(async (base: string, flags: DbFlags & { promote?: boolean }) => {
      const missing = missingModelFile(base);
      if (missing !== undefined) fail(missing);
      // Loading checks the files whole (config, shapes, checksum): a broken file never becomes a version.
      const m = await import('../model/index.js');
      await m.initBackend();
      let saved: ReturnType<typeof m.saveModel>;
      try {
        const model = await m.readModelFiles(base);
        saved = m.saveModel(model);
        model.dispose();
      } catch (err) {
        fail(`cannot read ${base}.json/.bin: ${(err as Error).message}`);
      }
      const path = dbPath(flags.db);
      const created = !existsSync(path);
      const store = openStore(path);
      try {
        if (created) process.stderr.write(`wxstream models: created a new database at ${path} (option --db, ${ENV_VARS.db})\n`);
        const { stepSeconds, horizon } = saved.config.model;
        const champion = store.models.champion();
        const current = champion?.config as { model?: { stepSeconds?: number; horizon?: number } } | undefined;
        if (current?.model && (current.model.stepSeconds !== stepSeconds || current.model.horizon !== horizon)) {
          fail(
            `${base} forecasts ${horizon} steps of ${stepSeconds} s; this database's champion ${champion!.version} ` +
              `${current.model.horizon} of ${current.model.stepSeconds} s, and a database keeps one grid`,
          );
        }
        const status = flags.promote || champion === undefined ? 'champion' : 'candidate';
        const version = store.models.insert({
          parent: null,
          status,
          config: saved.config,
          weights: saved.weights,
          metrics: { source: `imported from ${base}`, reason: 'imported' },
        });
        process.stdout.write(`imported ${base} as model ${version} (${status}${status === 'champion' && champion ? `, was ${champion.version}` : ''})\n`);
        if (status === 'candidate') process.stdout.write(`serve it with: wxstream models promote ${version} --db ${path}\n`);
      } finally {
        store.close();
      }
    });

  models.command('rollback')
    .description("make the current champion's parent the champion again")
    .option('--db <file>', dbOption)
    .action((flags: DbFlags) =>
      withStore(flags, (store) => {
        const champion = store.models.champion();
        if (!champion) fail('no champion to roll back from', EXIT.rejected);
        if (champion.parent === null || !store.models.get(champion.parent)) {
          fail(`champion ${champion.version} has no parent to roll back to`, EXIT.rejected);
        }
        store.models.setStatus(champion.version, 'rejected', { ...(champion.metrics as object), reason: 'rolled back' });
        store.models.promote(champion.parent);
        process.stdout.write(`rolled back: model ${champion.parent} is the champion (model ${champion.version} marked rejected)\n`);
      }),
    );
}
