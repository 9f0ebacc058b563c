// The root package's postinstall: builds @tensorflow/tfjs-node's binding against the libtensorflow of the
// tensorflow-cpu wheel on pip's configured index. Never fails the install: without pip, the wheel or a compiler it
// prints one line and the model runs on wasm. Why this route (and not tfjs-node's own download): docs/native-backend.md.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE } from './native-defaults.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const logFile = join(root, 'node_modules', '.cache', 'wxstream-native', 'install.log');

/** A step that failed, with the sentence the summary line gives. */
class Skip extends Error {}

function say(line: string): void {
  process.stdout.write(`wxstream native backend: ${line}\n`);
}

/** Run a command with its output appended to the log file; throws Skip(what) when it fails. */
function run(cmd: string, args: string[], what: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  appendFileSync(logFile, `\n$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: NATIVE.stepTimeoutMs, maxBuffer: 64 << 20, ...options });
  appendFileSync(logFile, `${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.error !== undefined || r.status !== 0) {
    const last = `${r.stderr ?? ''}`.trim().split('\n').filter((l) => !/^\s*(WARNING|gyp info|node-pre-gyp info)/.test(l)).pop();
    throw new Skip(`${what} (${r.error?.message ?? last ?? `exit ${r.status}`})`);
  }
  return r;
}

/** python3, else python: pip comes with the interpreter, `python -m pip` avoids a pip of another interpreter. */
function python(): string {
  for (const p of ['python3', 'python']) {
    if (spawnSync(p, ['-m', 'pip', '--version'], { encoding: 'utf8' }).status === 0) return p;
  }
  throw new Skip('no python with pip on PATH');
}

/** Node's own headers next to the running binary, so node-gyp need not download them. */
function nodedir(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.npm_config_nodedir) return env;
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? { ...env, npm_config_nodedir: prefix } : env;
}

function install(tfjsNode: string): string {
  const started = Date.now();
  const py = python();
  const wheels = mkdtempSync(join(tmpdir(), 'wxstream-wheel-'));
  const deps = join(tfjsNode, 'deps');
  try {
    run(py, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--disable-pip-version-check', '-d', wheels, NATIVE.wheel],
      `pip could not fetch ${NATIVE.wheel}`);
    const wheel = readdirSync(wheels).find((f) => f.endsWith('.whl'));
    if (wheel === undefined) throw new Skip(`pip saved no wheel of ${NATIVE.wheel}`);
    rmSync(deps, { recursive: true, force: true });
    const binding = join(tfjsNode, 'binding');
    const sources = readdirSync(binding).filter((f) => /\.(cc|h)$/.test(f)).map((f) => join(binding, f));
    run(py, [join(root, 'scripts', 'native', 'extract_wheel.py'), join(wheels, wheel), deps, ...sources], 'the wheel could not be unpacked');
  } finally {
    rmSync(wheels, { recursive: true, force: true });
  }
  // binding.gyp links -ltensorflow -ltensorflow_framework with an $ORIGIN rpath into deps/lib; tfjs-node's
  // install.js skips its download when libtensorflow.so.2.9.1 exists (the name of the version it was written for).
  const lib = join(deps, 'lib');
  symlinkSync('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so'));
  symlinkSync('libtensorflow_framework.so.2', join(lib, 'libtensorflow_framework.so'));
  symlinkSync('libtensorflow_cc.so.2', join(lib, 'libtensorflow.so.2.9.1'));
  // A tf-lib entry without an addon entry: install.js builds the binding from source instead of downloading one.
  writeFileSync(join(tfjsNode, 'scripts', 'custom-binary.json'), `${JSON.stringify({ 'tf-lib': `pip:${NATIVE.wheel}` })}\n`);
  const bin = join(root, 'node_modules', '.bin');
  const env = nodedir({ ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
  run(process.execPath, ['scripts/install.js'], 'the binding did not build', { cwd: tfjsNode, env });
  // Load it in a child, as the server will: a library that does not match the binding fails here, not at serve.
  run(process.execPath, ['-e', "require('@tensorflow/tfjs-node').tensor([1, 2]).square().dataSync()"], 'the built binding does not load', {
    cwd: root,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  return `ready (${NATIVE.wheel} from pip's index, built in ${Math.round((Date.now() - started) / 1000)} s)`;
}

function main(): void {
  if (process.env[NATIVE.buildEnv] === '0') return say(`skipped (${NATIVE.buildEnv}=0); the model runs on wasm`);
  if (process.platform !== 'linux' || process.arch !== 'x64') return say(`not built: the wheel is for linux x64, this is ${process.platform} ${process.arch}; the model runs on wasm`);
  let tfjsNode: string;
  try {
    tfjsNode = dirname(createRequire(join(root, 'package.json')).resolve('@tensorflow/tfjs-node/package.json'));
  } catch {
    return say('not built: @tensorflow/tfjs-node is not installed (optional dependencies omitted?); the model runs on wasm');
  }
  const built = join(tfjsNode, 'lib');
  if (existsSync(built) && readdirSync(built).length > 0 && existsSync(join(tfjsNode, 'deps', 'lib', 'libtensorflow_cc.so.2'))) {
    return say('already built');
  }
  mkdirSync(dirname(logFile), { recursive: true });
  writeFileSync(logFile, `wxstream native backend install, ${new Date().toISOString()}\n`);
  try {
    say(install(tfjsNode));
  } catch (err) {
    // A half-built binding would only fail later at load; without it, `auto` falls back at once.
    rmSync(built, { recursive: true, force: true });
    rmSync(join(tfjsNode, 'deps'), { recursive: true, force: true });
    const why = err instanceof Skip ? err.message : String(err);
    say(`not built: ${why}; the model runs on wasm (details: ${logFile.slice(root.length + 1)})`);
  }
}

main();
