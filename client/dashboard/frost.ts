// The dashboard's "chance of frost": the page subscribes with threshold 0 (or the `?thresholds=` of its URL), and
// P(temperature <= 0 deg C) of each point of the latest forecast is shown in one row. Pure, tested without a browser.
import { parseThresholdList } from '../../src/protocol/index.js';
import type { Forecast } from '../index.js';

export const FROST = 0;

/** Thresholds the page subscribes with: `?thresholds=0,30` from its URL, default [0]; `?thresholds=` for none. */
export function pageThresholds(search: string): number[] {
  const raw = new URLSearchParams(search).get('thresholds');
  if (raw === null) return [FROST];
  const r = parseThresholdList(raw);
  if (!r.ok) throw new Error(`?thresholds= in the page address: ${r.message} (${r.code})`);
  return r.thresholds;
}

export interface FrostCell {
  /** Steps ahead, 1-based. */
  step: number;
  ts: number;
  /** P(temperature <= 0 deg C). */
  p: number;
}

/** The frost row of a forecast: empty when it carries no P(<= 0) (the page did not ask threshold 0). */
export function frostRow(f: Forecast | undefined): FrostCell[] {
  const key = String(FROST);
  if (f === undefined || f.points.some((p) => p.below?.[key] === undefined)) return [];
  return f.points.map((p, i) => ({ step: i + 1, ts: p.ts, p: p.below![key]! }));
}

/** A chance as people read it: whole percents, "<1%" and ">99%" rather than a certainty the model cannot give. */
export function chanceText(p: number): string {
  if (p > 0 && p < 0.01) return '<1%';
  if (p < 1 && p > 0.99) return '>99%';
  return `${Math.round(p * 100)}%`;
}
