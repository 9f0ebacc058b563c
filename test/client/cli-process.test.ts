// The commands as a shell runs them (bin/wxstream.js, through main.ts), and their usage errors as commander
// reports them in-process: exit code 2 for commander's errors as for ours.
import { execFile } from 'node:child_process';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { register as registerPush } from '../../src/cli/push.js';
import { register as registerSubscribe } from '../../src/cli/subscribe.js';

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

describe('usage errors exit with 2', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  async function exitCodeOf(...args: string[]): Promise<number | undefined> {
    const program = new Command('wxstream').configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerPush(program);
    registerSubscribe(program);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${code}`);
    });
    try {
      await program.parseAsync(['node', 'wxstream', ...args]);
      return typeof process.exitCode === 'number' ? process.exitCode : Number(process.exitCode ?? 0);
    } catch (error) {
      return Number(/^exit (\d+)$/.exec((error as Error).message)?.[1]);
    }
  }

  it.each([
    ['a missing argument', ['push']],
    ['an invalid option value', ['push', '--batch', '0', '-']],
    ['an unknown option', ['subscribe', 'st-1', '--bogus']],
    ['an unreadable file', ['push', 'no-such-file.csv']],
    ['an invalid sensor id', ['subscribe', 'bad id']],
  ])('on %s', async (_, args) => {
    expect(await exitCodeOf(...args)).toBe(2);
  });
});
