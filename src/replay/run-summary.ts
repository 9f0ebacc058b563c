// Presents a replay run (ReplayRunResult): a few summary lines for the terminal, and JSON for files.
import type { ReplayRunResult } from './run-replay.js';

const iso = (t: number): string => new Date(t).toISOString().replace(':00.000Z', 'Z');
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

/**
 * @example
 *   console.log(formatRunSummary(await runReplay({ files })));
 */
export function formatRunSummary(r: ReplayRunResult): string {
  const { replay: p, server: s, report } = r;
  const lines = [
    `Files: ${r.files.map((f) => `${f.file} (${f.layout}, ${int(f.rows)} rows${f.skipped > 0 ? `, ${f.skipped} implausible skipped from line ${f.firstSkippedLine}` : ''})`).join('; ')}`,
    `Server: ${s.mode}${s.mode === 'in-process' ? `, training ${s.training}` : ''}; started from: ${s.startingModel}`,
    `Replay: ${int(p.sent)} readings sent in ${int(p.frames)} frames (${int(p.skippedNoTemp)} ${p.skippedNoTemp === 1 ? 'row' : 'rows'} without temperature left out); ` +
      `${int(p.accepted)} accepted, ${int(p.duplicates)} duplicates, ${int(p.rejected)} rejected; ${int(p.forecasts)} forecasts received`,
    `Speed: ${int(p.readingsPerSecond)} readings/s end to end (${(p.wallMs / 1000).toFixed(1)} s from first frame to last forecast, ` +
      `forecast at every step${s.training === 'off' ? '' : ', training rounds included'})`,
  ];
  if (s.trainer) {
    const t = s.trainer;
    lines.push(`Training: ${t.rounds} rounds: ${t.promoted} promoted, ${t.rejected} rejected, ${t.skipped} skipped, ${t.failed} failed`);
  }
  const versions = s.modelVersions;
  if (versions.length > 0) lines.push(`Model versions serving: ${versions.map((v) => `v${v.version} (${int(v.forecasts)})`).join(', ')}`);
  if (p.incomplete.length > 0) lines.push(`Warning: the last forecasts of ${p.incomplete.join(', ')} did not arrive before the replay ended`);
  if (p.rejections.length > 0) {
    lines.push('First rejected readings:');
    for (const x of p.rejections) lines.push(`  ${x.sensor} ${iso(x.ts)}: ${x.code} ${x.message}`);
  }
  if (report.counts.skippedOrigins > 0) {
    lines.push(`Note: ${int(report.counts.skippedOrigins)} origins without a server forecast were left out for every model`);
  }
  return lines.join('\n');
}

/** JSON with NaN/Infinity (nothing scored) as null, which JSON can carry. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
}
