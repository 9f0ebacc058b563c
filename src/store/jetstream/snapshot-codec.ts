// A partition snapshot as bytes: what an old owner stores on hand-over and a new owner restores from, with the
// stream sequence it covers. Binary, because most of a row is already binary (model state, bucket, plausibility
// windows) and base64 in JSON would add a third; numbers are float64 (stream sequences and epoch ms stay exact).
//
// Layout: "WXPS", format byte 1, partition u32, modelVersion, stepMs, coveredSeq (f64), row count u32, then per row:
// sensor (str), modelVersion f64, kind (str), snapshot (bytes), lastClosed, stepMs, savedAt f64, bucket (bytes or
// null), logSeq f64, plausibility (bytes or null). str and bytes: u32 length then the bytes; null: length 0xFFFFFFFF.
import type { SensorStateRow } from '../../ports/snapshots.js';
import { JetStreamStoreError } from './errors.js';

/** Every sensor of one partition as its owner snapshotted it, and the readings stream position the rows cover. */
export interface PartitionSnapshot {
  partition: number;
  /** Model version and step grid that wrote the rows: a restore under another one rebuilds state instead. */
  modelVersion: number;
  stepMs: number;
  /** Stream sequence of WX_READINGS covered: restore replays the partition's messages after it. */
  coveredSeq: number;
  rows: SensorStateRow[];
}

const MAGIC = [0x57, 0x58, 0x50, 0x53]; // "WXPS"
const FORMAT = 1;
const NULL = 0xffffffff;

export function encodePartitionSnapshot(s: PartitionSnapshot): Uint8Array {
  const w = new Writer();
  w.bytes(Uint8Array.from([...MAGIC, FORMAT]), false);
  w.u32(s.partition);
  w.f64(s.modelVersion);
  w.f64(s.stepMs);
  w.f64(s.coveredSeq);
  w.u32(s.rows.length);
  for (const r of s.rows) {
    w.str(r.sensor);
    w.f64(r.modelVersion);
    w.str(r.kind);
    w.bytes(r.snapshot);
    w.f64(r.lastClosed);
    w.f64(r.stepMs);
    w.f64(r.savedAt);
    w.nullable(r.bucket);
    w.f64(r.logSeq);
    w.nullable(r.plausibility);
  }
  return w.done();
}

/** The snapshot in `data`; WX_JS_BAD_SNAPSHOT when it is not one this code wrote. */
export function decodePartitionSnapshot(data: Uint8Array): PartitionSnapshot {
  const r = new Reader(data);
  if (!MAGIC.every((b) => r.u8() === b)) throw bad('it does not start with "WXPS"');
  const format = r.u8();
  if (format !== FORMAT) throw bad(`format ${format} is not ${FORMAT}`);
  const partition = r.u32();
  const modelVersion = r.f64();
  const stepMs = r.f64();
  const coveredSeq = r.f64();
  const count = r.u32();
  const rows: SensorStateRow[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      sensor: r.str(),
      modelVersion: r.f64(),
      kind: r.str(),
      snapshot: r.bytes(),
      lastClosed: r.f64(),
      stepMs: r.f64(),
      savedAt: r.f64(),
      bucket: r.nullable(),
      logSeq: r.f64(),
      plausibility: r.nullable(),
    });
  }
  if (!r.atEnd()) throw bad(`${data.length - r.offset} bytes follow the last row`);
  return { partition, modelVersion, stepMs, coveredSeq, rows };
}

const bad = (why: string): JetStreamStoreError => new JetStreamStoreError('WX_JS_BAD_SNAPSHOT', `not a partition snapshot: ${why}`);

class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }

  f64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(n);
    this.push(b);
  }

  str(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }

  bytes(b: Uint8Array, withLength = true): void {
    if (withLength) this.u32(b.length);
    this.push(b);
  }

  nullable(b: Uint8Array | null): void {
    if (b === null) this.u32(NULL);
    else this.bytes(b);
  }

  done(): Uint8Array {
    return Buffer.concat(this.parts, this.size);
  }

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }
}

class Reader {
  offset = 0;
  private readonly view: DataView;

  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  u8(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }

  u32(): number {
    this.need(4);
    const n = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return n;
  }

  f64(): number {
    this.need(8);
    const n = this.view.getFloat64(this.offset, true);
    this.offset += 8;
    return n;
  }

  str(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }

  /** A copy: rows outlive the object they came in. */
  bytes(): Uint8Array {
    const n = this.u32();
    if (n === NULL) throw bad(`a null where bytes belong at offset ${this.offset - 4}`);
    this.need(n);
    const out = new Uint8Array(this.data.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }

  nullable(): Uint8Array | null {
    this.need(4);
    if (this.view.getUint32(this.offset, true) === NULL) {
      this.offset += 4;
      return null;
    }
    return this.bytes();
  }

  atEnd(): boolean {
    return this.offset === this.data.length;
  }

  private need(n: number): void {
    if (this.offset + n > this.data.length) throw bad(`it ends at byte ${this.data.length}, inside a field at ${this.offset}`);
  }
}
