// Who wants which sensor's forecasts: per-sensor subscriber sets plus the "*" subscribers, and the thresholds a
// subscription asked event probabilities for (kept apart: a peer without thresholds has no entry to look up).

/** Validated thresholds (sorted, no repeats) and their key: equal sets share one frame per forecast. */
export interface ThresholdSet {
  readonly key: string;
  readonly values: readonly number[];
}

export function thresholdSet(values: readonly number[]): ThresholdSet {
  return { key: values.join(','), values };
}

export class Subscriptions<C> {
  private readonly bySensor = new Map<string, Set<C>>();
  private readonly byConn = new Map<C, Set<string>>();
  private readonly everything = new Set<C>();
  /** Per connection, by sensor or "*": the thresholds of its latest subscribe frame, when it had any. */
  private readonly thresholdsOf = new Map<C, Map<string, ThresholdSet>>();

  /** Subscribe `conn`; `thresholds` (none when absent or empty) replace those of an earlier frame for the same sensors. */
  add(conn: C, sensors: readonly string[] | '*', thresholds?: ThresholdSet): void {
    this.setThresholds(conn, sensors === '*' ? ['*'] : sensors, thresholds?.values.length ? thresholds : undefined);
    if (sensors === '*') {
      this.everything.add(conn);
      return;
    }
    let mine = this.byConn.get(conn);
    if (mine === undefined) this.byConn.set(conn, (mine = new Set()));
    for (const s of sensors) {
      mine.add(s);
      let set = this.bySensor.get(s);
      if (set === undefined) this.bySensor.set(s, (set = new Set()));
      set.add(conn);
    }
  }

  remove(conn: C, sensors: readonly string[] | '*'): void {
    this.setThresholds(conn, sensors === '*' ? ['*'] : sensors, undefined);
    if (sensors === '*') {
      this.everything.delete(conn);
      return;
    }
    const mine = this.byConn.get(conn);
    for (const s of sensors) {
      mine?.delete(s);
      const set = this.bySensor.get(s);
      set?.delete(conn);
      if (set?.size === 0) this.bySensor.delete(s);
    }
    if (mine?.size === 0) this.byConn.delete(conn);
  }

  removeConnection(conn: C): void {
    this.thresholdsOf.delete(conn);
    this.everything.delete(conn);
    this.remove(conn, [...(this.byConn.get(conn) ?? [])]);
  }

  /** Sensors one connection subscribed to by name (not counting "*"). */
  countFor(conn: C): number {
    return this.byConn.get(conn)?.size ?? 0;
  }

  /** Whether `conn` gets `sensor`'s forecasts (by name or "*"). */
  wants(conn: C, sensor: string): boolean {
    return this.everything.has(conn) || this.bySensor.get(sensor)?.has(conn) === true;
  }

  has(sensor: string): boolean {
    return this.everything.size > 0 || this.bySensor.has(sensor);
  }

  /** Whether any subscription here asked for thresholds (else delivery shares one frame per forecast). */
  get anyThresholds(): boolean {
    return this.thresholdsOf.size > 0;
  }

  /** The thresholds `conn` gets `sensor`'s forecasts with: its subscription by name, else its "*" one. */
  thresholds(conn: C, sensor: string): ThresholdSet | undefined {
    const mine = this.thresholdsOf.get(conn);
    if (mine === undefined) return undefined;
    return this.byConn.get(conn)?.has(sensor) === true ? mine.get(sensor) : mine.get('*');
  }

  *subscribers(sensor: string): Iterable<C> {
    const named = this.bySensor.get(sensor);
    yield* this.everything;
    if (named) for (const c of named) if (!this.everything.has(c)) yield c;
  }

  private setThresholds(conn: C, keys: readonly string[], thresholds: ThresholdSet | undefined): void {
    let mine = this.thresholdsOf.get(conn);
    if (thresholds === undefined) {
      if (mine === undefined) return;
      for (const k of keys) mine.delete(k);
      if (mine.size === 0) this.thresholdsOf.delete(conn);
      return;
    }
    if (mine === undefined) this.thresholdsOf.set(conn, (mine = new Map()));
    for (const k of keys) mine.set(k, thresholds);
  }
}
