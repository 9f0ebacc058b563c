// Which sensors each live `forecasts()` observer wants, so that subscriptions can be restored after a
// reconnect and a sensor is unsubscribed on the server only when no observer still wants it.

export type SensorSelection = readonly string[] | '*';

export class Subscriptions {
  private readonly entries = new Map<string, SensorSelection>();
  /** Thresholds an observer asked for, sent again with its subscription after a reconnect. */
  private readonly thresholdsOf = new Map<string, readonly number[]>();

  add(id: string, sensors: SensorSelection, thresholds: readonly number[] = []): void {
    this.entries.set(id, sensors);
    if (thresholds.length > 0) this.thresholdsOf.set(id, thresholds);
  }

  thresholds(id: string): readonly number[] {
    return this.thresholdsOf.get(id) ?? [];
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Every live observer's selection, keyed by the frame id it subscribed with. */
  all(): [string, SensorSelection][] {
    return [...this.entries];
  }

  /**
   * Forgets an observer and returns what the server may stop sending: the sensors (or '*') that no
   * remaining observer selects, or undefined when nothing changes.
   */
  remove(id: string): SensorSelection | undefined {
    const sensors = this.entries.get(id);
    if (sensors === undefined) return undefined;
    this.entries.delete(id);
    this.thresholdsOf.delete(id);
    const remaining = [...this.entries.values()];
    if (sensors === '*') return remaining.includes('*') ? undefined : '*';
    const stillWanted = new Set(remaining.flatMap((s) => (s === '*' ? [] : s)));
    const gone = sensors.filter((s) => !stillWanted.has(s));
    return gone.length > 0 ? [...new Set(gone)] : undefined;
  }
}

/** True when a forecast for `sensor` belongs to a selection. */
export function selects(selection: SensorSelection, sensor: string): boolean {
  return selection === '*' || selection.includes(sensor);
}
