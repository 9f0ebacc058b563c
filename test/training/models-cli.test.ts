import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { forecasterFromWeights, saveModel, Seq2Seq, writeModelFiles } from '../../src/model/index.js';
import { startServer } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'wx-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(db: string, ...args: string[]) {
  return run(process.execPath, ['bin/wxstream.js', 'models', ...args, '--db', db], { env: { ...process.env, WXSTREAM_LOG_LEVEL: 'silent' } });
}

/** A database with two small RNN versions: 1, then 2 promoted from it. */
function seed(db: string): void {
  const store = openStore(db);
  for (const seedValue of [1, 2]) {
    const m = Seq2Seq.create({ hidden: 4, seed: seedValue });
    const saved = saveModel(m);
    m.dispose();
    store.models.insert({
      parent: seedValue === 1 ? null : 1,
      status: 'champion',
      config: saved.config,
      weights: saved.weights,
      metrics: seedValue === 1 ? null : { reason: 'validation MAE 1.0 vs champion 1.2', candidate: { mae: 1 }, champion: { mae: 1.2 } },
    });
  }
  store.close();
}

describe('wxstream models', () => {
  it('lists, shows, promotes and rolls back', async () => {
    const db = join(dir, 'cli.db');
    seed(db);
    const list = await cli(db, 'list', '--json');
    const rows = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => [r.version, r.status, r.parent])).toEqual([[2, 'champion', 1], [1, 'retired', null]]);
    const back = await cli(db, 'rollback');
    expect(back.stdout).toMatch(/model 1 is the champion/);
    const after = openStore(db);
    expect(after.models.champion()?.version).toBe(1);
    expect(after.models.get(2)?.status).toBe('rejected');
    after.close();
    await expect(cli(db, 'promote', '9')).rejects.toMatchObject({ code: 1 });
  }, 120_000);

  it('imports model files: the champion of a new database, then a candidate, or promoted; refuses another grid', async () => {
    const files = join(dir, 'trained');
    const m = Seq2Seq.create({ hidden: 4, seed: 3 });
    await writeModelFiles(m, files);
    const other = Seq2Seq.create({ hidden: 4, seed: 4, horizon: 12 });
    await writeModelFiles(other, join(dir, 'h12'));
    other.dispose();
    const db = join(dir, 'import.db');
    const first = await cli(db, 'import', files);
    expect(first.stdout).toBe(`imported ${files} as model 1 (champion)\n`);
    expect(first.stderr).toMatch(/created a new database/);
    expect((await cli(db, 'import', files)).stdout).toBe(`imported ${files} as model 2 (candidate)\nserve it with: wxstream models promote 2 --db ${db}\n`);
    expect((await cli(db, 'import', files, '--promote')).stdout).toBe(`imported ${files} as model 3 (champion, was 1)\n`);
    const store = openStore(db);
    const champion = store.models.champion()!;
    expect(champion.version).toBe(3);
    expect(champion.metrics).toMatchObject({ source: `imported from ${files}` });
    // The same weights as written: what serve will load.
    expect(Buffer.from(champion.weights).equals(Buffer.from(saveModel(m).weights))).toBe(true);
    store.close();
    m.dispose();
    await expect(cli(db, 'import', join(dir, 'h12'))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/forecasts 12 steps of 3600 s; this database's champion 3 24 of 3600 s/) });
    await expect(cli(db, 'import', join(dir, 'nothing'))).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/no model file .*nothing\.json/) });
  }, 120_000);

  it('a running server swaps in a champion promoted from outside', async () => {
    const db = join(dir, 'live.db');
    seed(db);
    const server = await startServer({
      port: 0,
      db,
      championPollMs: 20,
      forecaster: ({ store }) => {
        const row = store.models.champion()!;
        return { version: row.version, ...forecasterFromWeights(Seq2Seq.create({ hidden: 4, seed: 2 })) };
      },
    });
    expect(server.modelHost.modelVersion).toBe(2);
    server.store.models.promote(1);
    await expect.poll(() => server.modelHost.nextVersion, { timeout: 5000 }).toBe(1);
    const models = await (await fetch(`${server.httpUrl}/v1/models`)).json();
    expect(models.models.map((m: { version: number }) => m.version)).toEqual([2, 1]);
    await server.close();
  });
});
