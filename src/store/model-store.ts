// Model versions: weights blob + config JSON with lineage and status. Exactly one champion serves; the online
// training issue adds candidates and promotes them here.
import type { Database } from 'better-sqlite3';

export type ModelStatus = 'candidate' | 'champion' | 'retired' | 'rejected';

export interface ModelVersionRow {
  version: number;
  parent: number | null;
  createdAt: number;
  status: ModelStatus;
  config: unknown;
  weights: Uint8Array;
  metrics: unknown;
}

export interface NewModelVersion {
  parent?: number | null;
  status: ModelStatus;
  config: unknown;
  weights: Uint8Array;
  metrics?: unknown;
  createdAt?: number;
}

export interface ModelStore {
  champion(): ModelVersionRow | undefined;
  /** Version number of the champion only (no weights read): cheap enough to poll. */
  championVersion(): number | undefined;
  get(version: number): ModelVersionRow | undefined;
  /** Versions without their weights, newest first. */
  list(): Array<Omit<ModelVersionRow, 'weights'>>;
  /** Insert a version; when its status is champion the previous champion is retired in the same transaction. */
  insert(v: NewModelVersion): number;
  /** Make `version` the champion, retiring the previous one. */
  promote(version: number): void;
  setStatus(version: number, status: Exclude<ModelStatus, 'champion'>, metrics?: unknown): void;
}

interface DbRow {
  version: number;
  parent: number | null;
  createdAt: number;
  status: ModelStatus;
  config: string;
  weights?: Buffer;
  metrics: string | null;
}

const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

export class SqliteModelStore implements ModelStore {
  private readonly selectChampion;
  private readonly selectChampionVersion;
  private readonly selectOne;
  private readonly selectList;
  private readonly insertRow;
  private readonly retireChampion;
  private readonly updateStatus;
  private readonly insertTx;
  private readonly promoteTx;

  constructor(db: Database) {
    const cols = `version, parent, created_at AS createdAt, status, config_json AS config, metrics_json AS metrics`;
    this.selectChampionVersion = db.prepare(`SELECT version FROM model_versions WHERE status = 'champion'`).pluck();
    this.selectChampion = db.prepare(`SELECT ${cols}, weights FROM model_versions WHERE status = 'champion'`);
    this.selectOne = db.prepare(`SELECT ${cols}, weights FROM model_versions WHERE version = ?`);
    this.selectList = db.prepare(`SELECT ${cols} FROM model_versions ORDER BY version DESC`);
    this.insertRow = db.prepare(
      `INSERT INTO model_versions (parent, created_at, status, config_json, weights, metrics_json)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.retireChampion = db.prepare(`UPDATE model_versions SET status = 'retired' WHERE status = 'champion'`);
    this.updateStatus = db.prepare(
      'UPDATE model_versions SET status = ?, metrics_json = coalesce(?, metrics_json) WHERE version = ?',
    );
    this.insertTx = db.transaction((v: NewModelVersion): number => {
      if (v.status === 'champion') this.retireChampion.run();
      const info = this.insertRow.run(
        v.parent ?? null,
        v.createdAt ?? Date.now(),
        v.status,
        JSON.stringify(v.config),
        Buffer.from(v.weights.buffer, v.weights.byteOffset, v.weights.byteLength),
        v.metrics === undefined ? null : JSON.stringify(v.metrics),
      );
      return Number(info.lastInsertRowid);
    });
    this.promoteTx = db.transaction((version: number) => {
      if (this.selectOne.get(version) === undefined) throw new RangeError(`model version ${version} does not exist`);
      this.retireChampion.run();
      this.updateStatus.run('champion', null, version);
    });
  }

  private row(r: DbRow | undefined): ModelVersionRow | undefined {
    if (r === undefined) return undefined;
    return { ...r, config: parse(r.config), metrics: parse(r.metrics), weights: new Uint8Array(r.weights!) };
  }

  champion(): ModelVersionRow | undefined {
    return this.row(this.selectChampion.get() as DbRow | undefined);
  }

  championVersion(): number | undefined {
    return this.selectChampionVersion.get() as number | undefined;
  }

  get(version: number): ModelVersionRow | undefined {
    return this.row(this.selectOne.get(version) as DbRow | undefined);
  }

  list(): Array<Omit<ModelVersionRow, 'weights'>> {
    return (this.selectList.all() as DbRow[]).map((r) => ({ ...r, config: parse(r.config), metrics: parse(r.metrics) }));
  }

  insert(v: NewModelVersion): number {
    return this.insertTx(v);
  }

  promote(version: number): void {
    // IMMEDIATE: the transaction reads before it writes, and a deferred one then fails at once with SQLITE_BUSY
    // (no busy wait) when the server committed in between (seen in the soak: `models promote` beside ingest).
    this.promoteTx.immediate(version);
  }

  setStatus(version: number, status: Exclude<ModelStatus, 'champion'>, metrics?: unknown): void {
    this.updateStatus.run(status, metrics === undefined ? null : JSON.stringify(metrics), version);
  }
}
