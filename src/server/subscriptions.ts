// Who wants which sensor's forecasts: per-sensor subscriber sets plus the "*" subscribers.

export class Subscriptions<C> {
  private readonly bySensor = new Map<string, Set<C>>();
  private readonly byConn = new Map<C, Set<string>>();
  private readonly everything = new Set<C>();

  add(conn: C, sensors: readonly string[] | '*'): void {
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

  *subscribers(sensor: string): Iterable<C> {
    const named = this.bySensor.get(sensor);
    yield* this.everything;
    if (named) for (const c of named) if (!this.everything.has(c)) yield c;
  }
}
