// Port: the reading log. Readings come in as batches appended in one durable commit each, numbered in commit order
// (the log position), and are read back per sensor: a range of event time, or everything committed after a position.
import type { Reading } from '../protocol/index.js';

export interface SensorRow {
  sensor: string;
  firstTs: number;
  lastTs: number;
  /** Log position of the sensor's latest stored reading (see ReadingLog.lastSeq). */
  lastSeq: number;
  readings: number;
  late: number;
}

/** Readings in: each batch appended in one durable commit, acknowledged to producers only after it. */
export interface ReadingIntake {
  /**
   * Insert readings in one transaction. Returns, per input, true when stored and false when (sensor, ts) was
   * already there (a duplicate, also within the same batch). Throws and stores nothing on failure.
   */
  insertBatch(readings: readonly Reading[], receivedAt: number): boolean[];
}

/** The reading log and its sensor catalogue, read for warm-up, rebuild, hand-over and the HTTP API. */
export interface ReadingLog {
  /**
   * Position of the reading log: the sequence number of the last committed `insertBatch` (0 before any). Every
   * reading carries the sequence of the transaction that stored it.
   */
  lastSeq(): number;
  /**
   * Readings of a sensor stored after log position `afterSeq` with ts > `afterTs`, in the order they were
   * committed (sequence, then ts within one transaction, as the live bucketer sorts each batch): a restore replays
   * them onto a snapshot exactly as the live pipeline applied them.
   */
  committedAfter(sensor: string, afterSeq: number, afterTs: number): Reading[];
  /** Readings of a sensor with from <= ts <= to, after `afterTs` (exclusive) when given, oldest first. */
  range(sensor: string, from: number, to: number, limit: number, afterTs?: number): Reading[];
  /** Count late readings (stored but older than the sensor's last closed step when they arrived). */
  addLate(sensor: string, n: number): void;
  sensor(sensor: string): SensorRow | undefined;
  sensors(): SensorRow[];
  /** Up to `limit` sensors in name order, those after `after` (exclusive) when given: a page of the list. */
  sensorPage(limit: number, after?: string): SensorRow[];
}

/** Both halves, as one engine (SQLite) implements them. */
export interface ReadingStore extends ReadingIntake, ReadingLog {}
