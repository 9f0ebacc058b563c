// Today's engine, SQLite, against the port contracts a second engine (the cluster's) must pass too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { runReadingLogContract } from '../contract/reading-log.contract.js';
import { runSnapshotContract } from '../contract/snapshots.contract.js';
import { runTokenContract } from '../contract/tokens.contract.js';

function onDisk(): { store: Store; reopen: () => Store; close: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'wxports-'));
  const path = join(dir, 'wx.db');
  let store = openStore(path);
  return {
    get store() {
      return store;
    },
    reopen: () => {
      store.close();
      return (store = openStore(path));
    },
    close: () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runReadingLogContract('SQLite', () => {
  const db = onDisk();
  return { log: db.store.readings, reopen: () => db.reopen().readings, close: db.close };
});
runSnapshotContract('SQLite', () => {
  const db = onDisk();
  return { states: db.store.states, readings: db.store.readings, close: db.close };
});
runTokenContract('SQLite', () => {
  const store = openStore(':memory:');
  return { tokens: store.tokens, close: () => store.close() };
});
