// Terminal progress for a replay run (cli-progress): readings sent, forecasts received, live readings/s and the
// event time reached, then the scoring pass. Drawn only on a TTY, so piped output and logs stay clean.
import cliProgress from 'cli-progress';
import type { ReplayRunProgress } from './run-replay.js';

export interface ReplayProgressBar {
  update(p: ReplayRunProgress): void;
  stop(): void;
}

const day = (t: number): string => (Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : '-');

/**
 * @param stream where to draw (stderr); nothing is drawn unless it is a TTY
 * @param label prefix of each line, e.g. "default" / "cold-start"
 */
export function replayProgressBar(stream: NodeJS.WriteStream, label = 'replay'): ReplayProgressBar {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} {phase} |{bar}| {percentage}% | {detail}`,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let phase: ReplayRunProgress['phase'] | undefined;
  return {
    update(p) {
      if (p.phase === 'replay') {
        const rate = p.sent / Math.max(1e-3, (performance.now() - started) / 1000);
        const detail = `${p.sent}/${p.total} readings, ${p.forecasts} forecasts, ${Math.round(rate)} readings/s, at ${day(p.eventTime)}`;
        if (phase !== 'replay') bar.start(p.total, p.sent, { phase: 'replay', detail });
        else bar.update(p.sent, { detail });
      } else {
        const value = Math.round(p.fraction * 1000);
        if (phase !== 'score') {
          if (phase !== undefined) bar.stop();
          bar.start(1000, value, { phase: 'score ', detail: 'scoring the recorded forecasts and the baselines' });
        } else bar.update(value);
      }
      phase = p.phase;
    },
    stop() {
      if (phase !== undefined) bar.stop();
      phase = undefined;
    },
  };
}
