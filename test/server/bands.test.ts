import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../src/protocol/index.js';
import { Client, hourly, isAck, isForecast, startFake, serverPerTest, tempDb } from './helpers.js';

const ctx = serverPerTest();
type Forecast = Extract<ServerMessage, { type: 'forecast' }>;

/** Streams 10 days of a 6-degree daily sine to a server whose model's bands are far too narrow for it. */
async function servedBands(bandTuningRate: number): Promise<{ first: Forecast; last: Forecast; coverage: number }> {
  ctx.server = await startFake(ctx.db.path, { bandTuningRate });
  const client = await Client.connect(ctx.server.url);
  client.send({ type: 'subscribe', id: 's', sensors: '*' });
  const readings = hourly(['a', 'b'], 0, 240);
  for (let i = 0; i < readings.length; i += 8) {
    client.send({ type: 'push', id: `p${i}`, readings: readings.slice(i, i + 8) });
    await client.waitFor(isAck(`p${i}`));
  }
  const forecasts = (await client.waitCount(isForecast, 2 * 239)).filter(isForecast).filter((f) => f.sensor === 'a');
  const skill = (await (await fetch(`${ctx.server.httpUrl}/v1/sensors/a/skill`)).json()) as { steps: Array<{ coverage: number }> };
  await client.close();
  const coverage = skill.steps.reduce((s, x) => s + x.coverage, 0) / skill.steps.length;
  return { first: forecasts[0]!, last: forecasts[forecasts.length - 1]!, coverage };
}

const width = (f: Forecast, k: number) => f.points[k - 1]!.p90 - f.points[k - 1]!.p10;

describe('served bands follow their verified coverage', () => {
  it('widens a model band that is far too narrow, around the same p50; bandTuningRate 0 serves it unchanged', async () => {
    const off = await servedBands(0);
    await ctx.server?.close();
    ctx.server = undefined;
    ctx.db.cleanup();
    ctx.db = tempDb();
    const on = await servedBands(0.2);
    expect(width(off.last, 1)).toBeCloseTo(1, 6); // the fake model's own band at step 1: p50 +- 0.5
    expect(width(on.first, 1)).toBeCloseTo(1, 6); // nothing verified yet
    expect(width(on.last, 1)).toBeGreaterThan(3);
    expect(width(on.last, 6)).toBeGreaterThan(2 * width(off.last, 6));
    for (const p of on.last.points) expect((p.p10 + p.p90) / 2).toBeCloseTo(p.p50, 6);
    expect(on.coverage).toBeGreaterThan(off.coverage + 0.15);
  });
});
