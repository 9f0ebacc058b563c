// Prometheus metrics of one server instance (own registry, so several in-process servers never collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { logSink } from '../log.js';
import type { LiveSkill } from '../pipeline/live-skill.js';

/** Seconds, for the per-transaction and per-batch durations: 0.5 ms to 0.5 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5];

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly readingsAccepted: Counter;
  readonly readingsDuplicate: Counter;
  readonly readingsRejected: Counter<'code'>;
  readonly readingsLate: Counter;
  readonly readingsImplausible: Counter;
  readonly frames: Counter<'type'>;
  readonly protocolErrors: Counter<'code'>;
  readonly forecastsIssued: Counter;
  readonly forecastsSent: Counter;
  readonly forecastsCoalesced: Counter;
  readonly connections: Gauge;
  readonly commitSeconds: Histogram;
  readonly roundSeconds: Histogram;
  readonly decodeSeconds: Histogram;
  readonly forecastLatencySeconds: Histogram;
  readonly scored: Counter;

  constructor(opts: {
    /** Read at each scrape (the service builds its stages after its metrics). */
    skill: () => LiveSkill;
    sensors: () => number;
    modelVersion: () => number;
    /** Also export skill per sensor and step ahead (config sensorSkillMetrics). */
    sensorSkill?: boolean;
  }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.readingsAccepted = new Counter({ name: 'wxstream_readings_accepted_total', help: 'Readings stored.', registers });
    this.readingsDuplicate = new Counter({
      name: 'wxstream_readings_duplicate_total',
      help: 'Readings whose (sensor, ts) was already stored.',
      registers,
    });
    this.readingsRejected = new Counter({
      name: 'wxstream_readings_rejected_total',
      help: 'Readings rejected, by code.',
      labelNames: ['code'],
      registers,
    });
    this.readingsLate = new Counter({
      name: 'wxstream_readings_late_total',
      help: "Readings stored but older than their sensor's last closed step (state not rewound).",
      registers,
    });
    this.readingsImplausible = new Counter({
      name: 'wxstream_readings_implausible_total',
      help: 'Plausibility faults flagged (stuck, spike, fahrenheit, kelvin), by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.frames = new Counter({ name: 'wxstream_frames_total', help: 'Client frames, by type.', labelNames: ['type'], registers });
    this.protocolErrors = new Counter({
      name: 'wxstream_protocol_errors_total',
      help: 'Error frames sent or connections closed for protocol violations, by code.',
      labelNames: ['code'],
      registers,
    });
    this.forecastsIssued = new Counter({ name: 'wxstream_forecasts_issued_total', help: 'Forecasts decoded.', registers });
    this.forecastsSent = new Counter({ name: 'wxstream_forecasts_sent_total', help: 'Forecast frames written.', registers });
    this.forecastsCoalesced = new Counter({
      name: 'wxstream_forecasts_coalesced_total',
      help: 'Queued forecasts replaced by a newer one for the same sensor (slow subscribers).',
      registers,
    });
    this.connections = new Gauge({ name: 'wxstream_connections', help: 'Open WebSocket connections.', registers });
    this.commitSeconds = new Histogram({
      name: 'wxstream_ingest_commit_seconds',
      help: 'Duration of one ingest transaction.',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.roundSeconds = new Histogram({
      name: 'wxstream_encode_round_seconds',
      help: 'Duration of one batched encoder step (observe) for all sensors whose step closed.',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.decodeSeconds = new Histogram({
      name: 'wxstream_decode_seconds',
      help: 'Duration of one batched decode.',
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.forecastLatencySeconds = new Histogram({
      name: 'wxstream_forecast_latency_seconds',
      help: 'From the commit of the reading that closed a step to its forecast being queued to subscribers.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.scored = new Counter({ name: 'wxstream_forecast_points_scored_total', help: 'Forecast points verified.', registers });
    // The process's one log sink: every in-process server reports the same count.
    new Counter({
      name: 'wxstream_log_lines_dropped_total',
      help: 'Log lines dropped because stderr could not take them (reader gone: EPIPE; stalled: backlog full; EFBIG).',
      registers,
      collect() {
        this.reset();
        this.inc(logSink.dropped);
      },
    });
    new Gauge({
      name: 'wxstream_sensors',
      help: 'Sensors whose state this node holds.',
      registers,
      collect() {
        this.set(opts.sensors());
      },
    });
    new Gauge({
      name: 'wxstream_model_version',
      help: 'Model version serving.',
      registers,
      collect() {
        this.set(opts.modelVersion());
      },
    });
    // Skill of the whole node per step ahead: 24 series whatever the network's size.
    const pooledGauge = (name: string, help: string, pick: 'mae' | 'coverage') =>
      new Gauge({
        name,
        help,
        labelNames: ['step'],
        registers,
        collect() {
          this.reset();
          for (const s of opts.skill().pooled()) {
            const v = s[pick];
            if (v !== null) this.set({ step: String(s.step) }, v);
          }
        },
      });
    pooledGauge('wxstream_skill_mae', 'Rolling MAE of issued forecasts (deg C) per step ahead, pooled over the verified sensors.', 'mae');
    pooledGauge('wxstream_skill_coverage', 'Rolling share of truths inside p10..p90 per step ahead, pooled over the verified sensors.', 'coverage');
    new Gauge({
      name: 'wxstream_skill_sensors',
      help: 'Sensors whose issued forecasts are being verified (those with a subscriber).',
      registers,
      collect() {
        this.set(opts.skill().size);
      },
    });
    if (!opts.sensorSkill) return;
    // Per sensor and step ahead: 48 series a sensor, and a scrape that blocks the event loop ~0.4 s at 1,000
    // verified sensors, ~4 s at 10,000 (the cost is prom-client's, per label set; docs/protocol.md, "Metrics").
    const sensorGauge = (name: string, help: string, pick: 'mae' | 'coverage') =>
      new Gauge({
        name,
        help,
        labelNames: ['sensor', 'step'],
        registers,
        collect() {
          this.reset();
          for (const sensor of opts.skill().sensorNames()) {
            for (const s of opts.skill().report(sensor).steps) {
              const v = s[pick];
              if (v !== null) this.set({ sensor, step: String(s.step) }, v);
            }
          }
        },
      });
    sensorGauge('wxstream_sensor_skill_mae', 'Rolling MAE of issued forecasts (deg C), per sensor and step ahead.', 'mae');
    sensorGauge('wxstream_sensor_skill_coverage', 'Rolling share of truths inside p10..p90, per sensor and step ahead.', 'coverage');
  }
}
