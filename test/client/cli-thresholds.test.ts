// `wxstream subscribe --thresholds` against the real server (port 0, temp db): the probabilities in the table and
// in the JSON lines, and the option's usage errors.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { EXIT } from '../../src/cli/output.js';
import { formatForecastRow, runSubscribe, thresholdsOption } from '../../src/cli/subscribe.js';
import { belowOf, type ForecastMessage } from '../../src/protocol/index.js';
import { hourly, serverPerTest, startFake } from '../server/helpers.js';

const ctx = serverPerTest();

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

async function subscribeOnce(json: boolean, thresholds: number[]): Promise<string> {
  ctx.server = await startFake(ctx.db.path);
  const pusher = await connect(ctx.server.url);
  await pusher.push(hourly(['st-1'], 0, 3));
  await pusher.close();
  const out = sink();
  const code = await runSubscribe({
    url: ctx.server.url,
    sensors: ['st-1'],
    json,
    thresholds,
    count: 1,
    connectTimeoutMs: 2_000,
    stdout: out.stream,
    stderr: sink().stream,
  });
  expect(code).toBe(EXIT.ok);
  return out.text();
}

describe('wxstream subscribe --thresholds', () => {
  it('prints the probabilities as JSON lines (below on every point)', async () => {
    const [line] = (await subscribeOnce(true, [0, 8])).trim().split('\n');
    const f = JSON.parse(line!) as ForecastMessage;
    expect(f.points).toHaveLength(24);
    for (const p of f.points) expect(p.below).toEqual(belowOf(p, [0, 8]));
  });

  it('prints P(<= t) per threshold in the table', async () => {
    const [header, row] = (await subscribeOnce(false, [8, -2.5])).trim().split('\n');
    expect(header).toContain('P(temp <= t)');
    expect(row).toMatch(/^st-1 .* \+1h \S+ \[\S+\] P\(<=-2\.5\) \S+% P\(<=8\) \S+% .* \+24h \S+ \[\S+\] P\(<=-2\.5\) \S+% P\(<=8\) \S+%$/);
  });

  it('rounds to whole percents without claiming certainty', () => {
    const point = (below: Record<string, number>) => ({ ts: 0, mean: 1, p10: 0, p50: 1, p90: 2, below });
    const row = formatForecastRow({
      sensor: 'st-1', origin: 0, issuedAt: 0, stepSeconds: 3600, modelVersion: 1, degraded: false,
      points: [point({ '0': 0.0004, '30': 0.9996, '1': 0.5 }), point({}), point({ '0': 0, '30': 1, '1': 0.123 })],
    });
    expect(row).toContain('+1h 1.0 [0.0..2.0] P(<=0) <1% P(<=1) 50% P(<=30) >99%  +3h');
    expect(row).toContain('P(<=0) 0% P(<=1) 12% P(<=30) 100%');
  });

  it('refuses an invalid list with a sentence naming the option and the code', () => {
    expect(thresholdsOption('0, 30')).toEqual([0, 30]);
    expect(() => thresholdsOption('0,frost')).toThrow(/^--thresholds: .*\(invalid_field\)\.$/);
    expect(() => thresholdsOption('100')).toThrow(/out_of_range/);
    expect(() => thresholdsOption('1,2,3,4,5,6,7,8,9')).toThrow(/too_many_thresholds/);
  });
});
