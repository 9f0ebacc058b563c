// `wxstream tokens add|list|revoke`: manage the access tokens of a database. The secret is printed once, at `add`;
// the database keeps only its salted hash. Works while the server runs (it checks tokens on every upgrade).
import type { Command } from 'commander';
import type { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { DEFAULTS } from '../config.js';
import { SENSOR_ID } from '../protocol/index.js';
import { openStore, type TokenRow, type TokenScope } from '../store/index.js';
import { dbPath, existingDbPath } from './db-option.js';
import { EXIT, formatTable } from './output.js';

interface DbFlag {
  db?: string;
}

interface AddFlags extends DbFlag {
  name: string;
  push?: boolean;
  read?: boolean;
  sensors?: string;
  prefix?: string;
}

function fail(stderr: Writable, message: string): never {
  stderr.write(`wxstream tokens: ${message}\n`);
  process.exit(EXIT.usage);
}

/** list and revoke administer an existing database; only add may start one. */
function openExisting(flags: DbFlag) {
  try {
    return openStore(existingDbPath(flags.db));
  } catch (err) {
    fail(process.stderr, (err as Error).message);
  }
}

export function scopeOf(flags: Pick<AddFlags, 'sensors' | 'prefix'>): TokenScope | undefined {
  const scope: TokenScope = {};
  if (flags.sensors !== undefined) {
    const ids = flags.sensors.split(',').map((s) => s.trim()).filter((s) => s !== '');
    const bad = ids.find((s) => !SENSOR_ID.test(s));
    if (ids.length === 0 || bad !== undefined) {
      throw new RangeError(`--sensors must list sensor ids (1-64 characters of A-Z a-z 0-9 . _ : -); got "${flags.sensors}"`);
    }
    scope.sensors = [...new Set(ids)];
  }
  if (flags.prefix !== undefined) {
    if (!/^[A-Za-z0-9._:-]{1,63}$/.test(flags.prefix)) {
      throw new RangeError(`--prefix must be 1-63 characters of A-Z a-z 0-9 . _ : -; got "${flags.prefix}"`);
    }
    scope.prefix = flags.prefix;
  }
  return scope.sensors || scope.prefix !== undefined ? scope : undefined;
}

const describeScope = (t: TokenRow): string =>
  t.scope === undefined
    ? '*'
    : [t.scope.prefix !== undefined ? `${t.scope.prefix}*` : '', ...(t.scope.sensors ?? [])].filter((s) => s !== '').join(',');

export function register(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('manage access tokens (once a database holds one, every connection needs a token)');
  const dbOption = `SQLite database file [WXSTREAM_DB, default ${DEFAULTS.db}]`;

  tokens
    .command('add')
    .description('create a token and print its secret (shown only this once)')
    .requiredOption('--name <name>', 'who or what the token is for')
    .option('--push', 'may push readings')
    .option('--read', 'may subscribe and read forecasts (HTTP too)')
    .option('--sensors <ids>', 'push only to these sensor ids (comma-separated)')
    .option('--prefix <prefix>', 'push only to sensor ids starting with this')
    .option('--db <file>', dbOption)
    .action((flags: AddFlags) => {
      if (!flags.push && !flags.read) fail(process.stderr, 'give --push, --read or both');
      let scope: TokenScope | undefined;
      try {
        scope = scopeOf(flags);
      } catch (err) {
        fail(process.stderr, (err as Error).message);
      }
      // Securing a node before its first start is documented (README), so add creates the database, and says so.
      const path = dbPath(flags.db);
      const created = !existsSync(path);
      const store = openStore(path);
      if (created) process.stderr.write(`wxstream tokens: created a new database at ${path} (option --db, WXSTREAM_DB)\n`);
      try {
        const { row, secret } = store.tokens.add({ name: flags.name, push: !!flags.push, read: !!flags.read, ...(scope ? { scope } : {}) });
        process.stdout.write(`${secret}\n`);
        process.stderr.write(`token ${row.id} "${row.name}" created; store the secret above now, it is not shown again\n`);
      } finally {
        store.close();
      }
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'one JSON object per line')
    .option('--db <file>', dbOption)
    .action((flags: DbFlag & { json?: boolean }) => {
      const store = openExisting(flags);
      try {
        const rows = store.tokens.list();
        if (flags.json) {
          for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
          return;
        }
        const table = rows.map((r) => ({
          id: r.id,
          name: r.name,
          rights: [r.push ? 'push' : '', r.read ? 'read' : ''].filter((x) => x !== '').join(','),
          sensors: describeScope(r),
          created: new Date(r.createdAt).toISOString(),
          status: r.revokedAt === undefined ? 'active' : `revoked ${new Date(r.revokedAt).toISOString()}`,
        }));
        process.stdout.write(table.length === 0 ? 'no tokens: the server is open (loopback only by default)\n' : formatTable(table));
      } finally {
        store.close();
      }
    });

  tokens
    .command('revoke <id>')
    .description('revoke a token: new connections are refused at once, open ones closed within a heartbeat')
    .option('--db <file>', dbOption)
    .action((id: string, flags: DbFlag) => {
      const store = openExisting(flags);
      try {
        if (!store.tokens.revoke(id)) fail(process.stderr, `no active token with id "${id}"`);
        process.stderr.write(`token ${id} revoked\n`);
      } finally {
        store.close();
      }
    });
}
