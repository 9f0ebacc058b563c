// A raw reading as replay files carry it. Unlike the live protocol's `Reading`, temperature may be missing
// (null): historical files have holes that still mark a sensor as alive.

export interface ReplayReading {
  sensor: string;
  /** Epoch milliseconds. */
  ts: number;
  /** Deg C, or null when the row has no temperature. */
  temp: number | null;
  /** hPa; null = column present but empty, absent = no such column. */
  pressure?: number | null;
  /** Deg C. */
  dewpoint?: number | null;
  /** Wind speed, m/s. */
  wind?: number | null;
}
