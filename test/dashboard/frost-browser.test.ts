// The dashboard's chance-of-frost row in headless Chromium against the real server (fake model, port 0): shown
// with P(<= 0 C) of every point when the page subscribes with threshold 0 (its default), absent otherwise.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import type { ForecastMessage } from '../../src/protocol/index.js';
import type { RunningServer } from '../../src/server/index.js';
import { hourly, startFake, tempDb } from '../server/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);

describe.skipIf(!haveChromium)('dashboard chance of frost in headless Chromium', () => {
  let db: ReturnType<typeof tempDb>;
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    db = tempDb();
    server = await startFake(db.path);
    const client = await connect(server.url);
    // st-1 swings between -1 and 11 deg C: its bands reach below 0 at some leads.
    await client.push(hourly(['st-1'], 0, 30));
    await client.close();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    db?.cleanup();
  });

  async function open(query: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.httpUrl}/${query}#sensor=st-1`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => Number(document.getElementById('forecast-chart')?.dataset.band ?? 0) > 0);
    return page;
  }

  it('shows P(<= 0 C) per point, as the server computes it, by default', async () => {
    const page = await open('');
    await page.waitForFunction(() => Number(document.getElementById('forecast-chart')?.dataset.frost) === 24);
    expect(await page.isVisible('#frost')).toBe(true);
    const shown = await page.$$eval('#frost-row td', (tds) => tds.map((td) => Number((td as HTMLElement).dataset.p)));
    const res = await fetch(`${server.httpUrl}/v1/sensors/st-1/forecast?thresholds=0`);
    const f = (await res.json()) as ForecastMessage;
    expect(shown).toEqual(f.points.map((p) => p.below!['0']));
    expect(shown.some((p) => p > 0)).toBe(true);
    expect(await page.textContent('#frost-row')).toMatch(/^chance of frost(\d+%|<1%|>99%)+$/);
    await page.close();
  });

  it.each(['?thresholds=', '?thresholds=30'])('has no frost row when the page subscribes with %s', async (query) => {
    const page = await open(query);
    expect(await page.evaluate(() => document.getElementById('forecast-chart')!.dataset.frost)).toBe('0');
    expect(await page.isVisible('#frost')).toBe(false);
    await page.close();
  });
});
