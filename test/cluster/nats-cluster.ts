// Test harness: N real nats-server processes as one JetStream cluster on 127.0.0.1, each with its own temp store,
// started on free ports and polled (monitoring /healthz and /jsz) until JetStream has a meta leader; no fixed sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Path of the nats-server binary, or undefined when it is not installed (Debian puts it in /usr/sbin). */
export const natsServerPath: string | undefined = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/bin']
  .filter((d) => d !== '')
  .map((d) => join(d, 'nats-server'))
  .find((p) => existsSync(p));

/** One sentence for a skipped suite, printed once per file. */
export function warnIfNoNatsServer(suite: string): void {
  if (natsServerPath === undefined)
    console.warn(`${suite} skipped: nats-server not found (CI installs it in .ci/run: apt-get install -y nats-server)`);
}

export interface NatsClusterOptions {
  /** Number of servers; 1 runs a single JetStream server without cluster routes. */
  nodes: number;
  /** Bound on every wait for readiness, ms. */
  readyTimeoutMs: number;
}

const defaults: NatsClusterOptions = { nodes: 3, readyTimeoutMs: 20_000 };

interface Ports {
  client: number;
  route: number;
  http: number;
}

interface Node {
  name: string;
  ports: Ports;
  config: string;
  proc: ChildProcess | undefined;
  exited: Promise<void>;
  log: string[];
  /** Set when the process exited without kill/stop asking it to (a bad config, a port taken meanwhile). */
  crashed?: string;
  signal: (sig: NodeJS.Signals) => void;
}

/** Free TCP ports on 127.0.0.1, all held open at once so that no two are the same, then released. */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () =>
      new Promise<import('node:net').Server>((resolve, reject) => {
        const s = createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve(s));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Poll `check` every `everyMs` until it returns true; throws with `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A monitoring endpoint's JSON, or undefined while the server does not answer (yet) or answers an error. */
async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class NatsCluster {
  private constructor(
    private readonly nodes: Node[],
    private readonly dir: string,
    private readonly opts: NatsClusterOptions,
  ) {}

  static async start(options: Partial<NatsClusterOptions> = {}): Promise<NatsCluster> {
    const opts = { ...defaults, ...options };
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1) throw new RangeError(`option "nodes" must be an integer >= 1, got ${opts.nodes}`);
    if (natsServerPath === undefined) throw new Error('nats-server is not installed');
    const dir = mkdtempSync(join(tmpdir(), 'wxnats-'));
    const flat = await freePorts(opts.nodes * 3);
    const ports = Array.from({ length: opts.nodes }, (_, i) => ({ client: flat[3 * i], route: flat[3 * i + 1], http: flat[3 * i + 2] }));
    const nodes = ports.map((p, i): Node => {
      const name = `n${i}`;
      const config = join(dir, `${name}.conf`);
      writeFileSync(config, configText(name, join(dir, name), p, opts.nodes > 1 ? ports.map((q) => q.route) : []));
      return { name, ports: p, config, proc: undefined, exited: Promise.resolve(), log: [], signal: () => undefined };
    });
    const cluster = new NatsCluster(nodes, dir, opts);
    try {
      for (let i = 0; i < nodes.length; i++) cluster.spawn(i);
      await cluster.ready();
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  get size(): number {
    return this.nodes.length;
  }

  /** Client URL of server i. */
  url(i: number): string {
    return `nats://127.0.0.1:${this.nodes[i].ports.client}`;
  }

  /** Client URLs of every server, for a connection that fails over. */
  get urls(): string[] {
    return this.nodes.map((_, i) => this.url(i));
  }

  /** Server name of server i (as JetStream reports leaders and replicas). */
  name(i: number): string {
    return this.nodes[i].name;
  }

  /** Index of the server with this name. */
  indexOf(name: string): number {
    return this.nodes.findIndex((n) => n.name === name);
  }

  running(i: number): boolean {
    return this.nodes[i].proc !== undefined;
  }

  /** The last lines server i printed, for a failure message. */
  log(i: number): string {
    return this.nodes[i].log.slice(-30).join('');
  }

  /** SIGKILL server i, as a crash: no goodbye to the cluster. Resolves when the process is gone. */
  async kill(i: number): Promise<void> {
    await this.signal(i, 'SIGKILL');
  }

  /** Stop server i cleanly (SIGTERM). Resolves when the process is gone. */
  async stop(i: number): Promise<void> {
    await this.signal(i, 'SIGTERM');
  }

  /** Start server i again on its ports and store (after kill or stop) and wait until the cluster is ready. */
  async restart(i: number): Promise<void> {
    if (this.running(i)) await this.stop(i);
    this.spawn(i);
    await this.ready();
  }

  /**
   * Wait until every running server answers /healthz ok and reports a JetStream meta leader that is one of the
   * running servers: after a kill the survivors may still name the dead leader until they elect a new one.
   */
  async ready(): Promise<void> {
    const clustered = this.nodes.length > 1;
    // The running set is read at every poll: restarts in parallel add servers while an earlier call still waits.
    const live = (): Node[] => this.nodes.filter((n) => n.proc !== undefined);
    await until(
      async () => {
        const crashed = this.nodes.find((n) => n.crashed !== undefined);
        if (crashed) throw new Error(`nats-server ${crashed.name} exited on its own:\n${crashed.crashed}`);
        const names = new Set(live().map((n) => n.name));
        for (const n of live()) {
          const health = await getJson(`http://127.0.0.1:${n.ports.http}/healthz`);
          if (health?.status !== 'ok') return false;
          if (!clustered) continue;
          const jsz = await getJson(`http://127.0.0.1:${n.ports.http}/jsz`);
          const leader = (jsz?.meta_cluster as { leader?: string } | undefined)?.leader;
          if (leader === undefined || !names.has(leader)) return false;
        }
        return true;
      },
      `JetStream ready on ${live().map((n) => n.name).join(', ')}`,
      this.opts.readyTimeoutMs,
    );
  }

  /** Stop every server and remove the temp stores. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((_, i) => this.signal(i, 'SIGKILL')));
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(i: number): void {
    const n = this.nodes[i];
    const proc = spawn(natsServerPath as string, ['-c', n.config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer): void => {
      n.log.push(b.toString());
      if (n.log.length > 200) n.log.splice(0, 100);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    n.proc = proc;
    n.crashed = undefined;
    let signalled = false;
    n.signal = (sig) => {
      signalled = true;
      proc.kill(sig);
    };
    n.exited = new Promise((resolve) =>
      proc.once('exit', () => {
        if (n.proc === proc) n.proc = undefined;
        if (!signalled) n.crashed = n.log.join('');
        resolve();
      }),
    );
  }

  private async signal(i: number, sig: NodeJS.Signals): Promise<void> {
    const n = this.nodes[i];
    if (n.proc === undefined) return;
    n.signal(sig);
    await n.exited;
  }
}

function configText(name: string, store: string, p: Ports, routes: number[]): string {
  const lines = [
    `server_name: ${name}`,
    `listen: 127.0.0.1:${p.client}`,
    `http: 127.0.0.1:${p.http}`,
    // Small limits: many of these run side by side on a shared test machine.
    `jetstream { store_dir: "${store}", max_memory_store: 64MB, max_file_store: 512MB }`,
  ];
  if (routes.length > 0) {
    lines.push(
      'cluster {',
      '  name: wxtest',
      `  listen: 127.0.0.1:${p.route}`,
      `  routes: [${routes.map((r) => `nats-route://127.0.0.1:${r}`).join(', ')}]`,
      '}',
    );
  }
  return lines.join('\n') + '\n';
}
