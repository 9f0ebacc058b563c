// Port: state snapshots. One row per sensor: its model state, its open bucket and the reading-log position both
// cover, tagged with the model version and grid that wrote it, so a restore or a hand-over continues exactly.

export interface SensorStateRow {
  sensor: string;
  modelVersion: number;
  kind: string;
  snapshot: Uint8Array;
  /** End of the last step folded into the snapshot, epoch ms. */
  lastClosed: number;
  stepMs: number;
  savedAt: number;
  /** The sensor's open bucket (SensorBucket.save), null when it had none. */
  bucket: Uint8Array | null;
  /** Log position the snapshot covers: every reading committed at or before it is folded in (ReadingLog.lastSeq). */
  logSeq: number;
  /** The plausibility checks' windows (Plausibility.save), null when it had none. */
  plausibility: Uint8Array | null;
}

/** A usable snapshot as a restore reads it. */
export interface StoredSnapshot {
  kind: string;
  data: Uint8Array;
  lastClosed: number;
  bucket: Uint8Array | null;
  logSeq: number;
  plausibility: Uint8Array | null;
}

/** A stored sensor as a restart needs it: its latest reading and, when usable, its snapshot. */
export interface RestorableSensor {
  sensor: string;
  /** Time of its latest stored reading, epoch ms. */
  lastTs: number;
  /** Log position of its latest stored reading: past the snapshot's `logSeq`, readings came after the snapshot. */
  lastSeq: number;
  /** Its snapshot when one was written by the asked model version on the asked step, else undefined. */
  snapshot: StoredSnapshot | undefined;
}

export interface SensorStateStore {
  /** Save many snapshots in one transaction (replacing older ones). */
  saveMany(rows: readonly SensorStateRow[]): void;
  load(sensor: string): SensorStateRow | undefined;
  /**
   * Every sensor with stored readings, ordered by name, each with its snapshot when that was written by
   * `modelVersion` on `stepMs`: one query for a whole restart.
   */
  restorable(modelVersion: number, stepMs: number): RestorableSensor[];
}
