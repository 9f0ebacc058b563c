// Acceptance of the dashboard in headless Chromium against the real server: replay a short fixture, open
// the page, see the chart with its forecast band, push new readings and see the page follow without a
// reload; on a desktop and a phone-sized screen. Screenshots go to test-artifacts/ (git-ignored).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { PUSH_DEFAULTS, runPush } from '../../src/cli/push.js';
import { startServer, type RunningServer } from '../../src/server/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const FIXTURE = 'fixtures/synthetic-3-sensors-60d.csv';
const REPLAY_UNTIL = Date.UTC(2024, 0, 5);
const NEXT_HOURS = 6;

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`dashboard browser test skipped: ${CHROMIUM} not found (CI installs it in .ci/run: apt-get install -y chromium)`);
}

/** The fixture split in two: what is replayed before the page opens, and syn-1's next hours pushed after. */
function fixture(): { replay: string; next: { sensor: string; ts: string; temp: number }[] } {
  const [header, ...lines] = readFileSync(FIXTURE, 'utf8').trim().split('\n');
  const ts = (line: string) => Date.parse(line.split(',')[1]);
  const replay = [header, ...lines.filter((l) => ts(l) < REPLAY_UNTIL)].join('\n');
  const next = lines
    .filter((l) => l.startsWith('syn-1,') && ts(l) >= REPLAY_UNTIL && ts(l) < REPLAY_UNTIL + NEXT_HOURS * 3_600_000)
    .map((l) => l.split(','))
    .filter((f) => f[2] !== '')
    .map((f) => ({ sensor: f[0], ts: f[1], temp: Number(f[2]) }));
  return { replay, next };
}

const nullSink = () => new Writable({ write: (_c, _e, done) => done() });

async function chartState(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => ({ ...document.getElementById('forecast-chart')!.dataset }) as Record<string, string>);
}

describe.skipIf(!haveChromium)('dashboard in headless Chromium', () => {
  let server: RunningServer;
  let dir: string;
  let browser: Browser;
  const data = fixture();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wxdash-'));
    // The default model, as `wxstream serve` starts it: what a newcomer sees.
    server = await startServer({ port: 0, db: join(dir, 'wx.db'), snapshotSeconds: 0 });
    const code = await runPush({
      ...PUSH_DEFAULTS,
      url: server.httpUrl,
      input: Readable.from([data.replay]),
      stdout: nullSink(),
      stderr: nullSink(),
    });
    // The fixture has a few holes (rows without temp) that push reports as rejected.
    expect([0, 1]).toContain(code);
    // launch() runs Chromium on a fresh temporary user-data-dir of its own; each page gets a new context.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('draws readings and the forecast band, then follows pushed readings without reloading', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.httpUrl}/#sensor=syn-1`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction(() => Number(document.getElementById('forecast-chart')?.dataset.band ?? 0) > 0);
    const before = await chartState(page);
    expect(before.sensor).toBe('syn-1');
    expect(Number(before.readings)).toBeGreaterThan(100);
    expect(Number(before.band)).toBeGreaterThanOrEqual(24);
    expect(await page.locator('#forecast-chart canvas').count()).toBe(1);
    expect(await page.locator('#sensors button').count()).toBe(3);
    await expect(page.textContent('#status')).resolves.toBe('live');
    // Marks this page load: a reload would lose it.
    await page.evaluate(() => ((window as unknown as { loadMark: number }).loadMark = 42));

    const client = await connect(server.httpUrl);
    const ack = await client.push(data.next);
    await client.close();
    expect(ack.accepted).toBe(data.next.length);

    const lastPushed = Math.max(...data.next.map((r) => Date.parse(r.ts)));
    await page.waitForFunction((ts) => Number(document.getElementById('forecast-chart')?.dataset.lastReading) === ts, lastPushed);
    // The step holding the last pushed reading is still open: the newest forecast starts at its beginning.
    const lastClosedStep = Math.floor(lastPushed / 3_600_000) * 3_600_000;
    await page.waitForFunction((t) => Number(document.getElementById('forecast-chart')?.dataset.origin) === t, lastClosedStep);
    const after = await chartState(page);
    expect(Number(after.known)).toBe(Number(before.known) + data.next.length);
    expect(Number(after.forecasts)).toBeGreaterThanOrEqual(Number(before.forecasts) + NEXT_HOURS - 1);
    expect(Number(after.past)).toBeGreaterThanOrEqual(NEXT_HOURS - 1);
    expect(await page.evaluate(() => (window as unknown as { loadMark?: number }).loadMark)).toBe(42);
    // Forecasts issued while the page watched have been checked against the pushed hours.
    await page.waitForFunction(() => Number(document.getElementById('forecast-chart')?.dataset.skillScored) > 0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone-sized screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await page.goto(`${server.httpUrl}/#sensor=syn-2`);
    await page.waitForFunction(() => Number(document.getElementById('forecast-chart')?.dataset.band ?? 0) > 0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const chartWidth = await page.evaluate(() => document.querySelector('#forecast-chart canvas')!.getBoundingClientRect().width);
    expect(chartWidth).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    await page.close();
  });
});
