// The forecast bus inside one process (src/ports/forecast-bus.ts): publish calls each subscriber synchronously, in
// the order they subscribed, and a listener's failure is logged and contained, never the publisher's problem.
import type { ForecastBus, Unsubscribe } from '../ports/forecast-bus.js';
import type { Logger } from '../log.js';
import type { SerializedBatch } from '../pipeline/serialize-batch.js';

interface Listener {
  sensors: ReadonlySet<string> | undefined;
  deliver(batch: SerializedBatch): void;
}

export class InProcessForecastBus implements ForecastBus {
  private readonly listeners = new Set<Listener>();

  constructor(private readonly log?: Logger) {}

  publish(batch: SerializedBatch): void {
    for (const l of this.listeners) {
      const part = l.sensors === undefined ? batch : only(batch, l.sensors);
      if (part.serialized.length === 0) continue;
      try {
        l.deliver(part);
      } catch (err) {
        this.log?.error({ err }, 'a forecast bus subscriber failed');
      }
    }
  }

  subscribe(sensors: '*' | Iterable<string>, deliver: (batch: SerializedBatch) => void): Unsubscribe {
    const l: Listener = { sensors: sensors === '*' ? undefined : new Set(sensors), deliver };
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

function only(batch: SerializedBatch, sensors: ReadonlySet<string>): SerializedBatch {
  const serialized = batch.serialized.filter((s) => sensors.has(s.forecast.sensor));
  return { ...batch, serialized, forecasts: serialized.map((s) => s.forecast) };
}
