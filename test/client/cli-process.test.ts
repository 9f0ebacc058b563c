// The commands as a shell runs them (bin/wxstream.js, through main.ts), and their usage errors as commander
// reports them in-process (the same command tree as main.ts): exit code 2 for commander's errors as for ours.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createProgram } from '../../src/cli/program.js';

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/wxstream.js', ...args], { env: { ...process.env, WXSTREAM_URL: 'http://127.0.0.1:9' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('wxstream push / subscribe as processes', () => {
  it('prints help with the exit codes (0), and exits 3 when no server answers', async () => {
    const [help, down] = await Promise.all([run('push', '--help'), run('subscribe', 'st-1', '--connect-timeout', '200')]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 all accepted');
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('could not connect');
  });
});

const dir = mkdtempSync(join(tmpdir(), 'wx-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage errors exit with 2', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  /** Runs the command in-process; returns its exit code and what it wrote to stderr. */
  async function exitCodeOf(...args: string[]): Promise<{ code: number; stderr: string }> {
    const program = createProgram();
    let stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    try {
      await program.parseAsync(['node', 'wxstream', ...args]);
      return { code: typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0), stderr };
    } catch (error) {
      return { code: Number(/^exit (\d+)$/.exec((error as Error).message)?.[1]), stderr };
    }
  }

  it.each([
    ['a missing argument', ['push']],
    ['an invalid option value', ['push', '--batch', '0', '-']],
    ['an unknown option', ['subscribe', 'st-1', '--bogus']],
    ['an unreadable file', ['push', 'no-such-file.csv']],
    ['an invalid sensor id', ['subscribe', 'bad id']],
    ['an unknown option of serve', ['serve', '--bogus']],
    ['an option of serve without its value', ['serve', '--port']],
    ['an unknown option of a nested command', ['tokens', 'list', '--bogus']],
    ['a missing required option', ['tokens', 'add', '--push']],
    ['a missing argument of backup', ['backup']],
    ['an invalid argument of models show', ['models', 'show', 'one']],
    ['an unknown option of replay', ['replay', 'x.csv', '--bogus']],
    ['an unknown command', ['bogus']],
    ['a --url without a scheme', ['subscribe', 'st-1', '--url', 'localhost:18931']],
  ])('on %s', async (_, args) => {
    expect((await exitCodeOf(...args)).code).toBe(2);
  });

  it('but help exits 0', async () => {
    expect((await exitCodeOf('serve', '--help')).code).toBe(0);
  });

  it.each([
    ['models', 'list'],
    ['models', 'show', '1'],
    ['models', 'promote', '1'],
    ['models', 'rollback'],
    ['tokens', 'list'],
    ['tokens', 'revoke', 'abc'],
    ['backup', join(dir, 'copy.db')],
  ])('%s %s refuses a database that does not exist, and does not create it', async (...args) => {
    const db = join(dir, 'typo.db');
    const r = await exitCodeOf(...args, '--db', db);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`wxstream ${args[0]}: no database at ${db} (option --db, WXSTREAM_DB); check the path, or start wxstream serve once to create it\n`);
    expect(existsSync(db)).toBe(false);
  });

  it('tokens add may start a database, and says it did', async () => {
    const db = join(dir, 'new.db');
    const r = await exitCodeOf('tokens', 'add', '--name', 'first', '--push', '--db', db);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`wxstream tokens: created a new database at ${db} (option --db, WXSTREAM_DB)\n`);
    expect(existsSync(db)).toBe(true);
  });
});
