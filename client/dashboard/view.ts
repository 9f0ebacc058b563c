// DOM rendering of everything that is not a chart: connection badge, sensor list, latest-forecast summary.
// Text only through textContent: sensor ids come from the network.
import type { ConnectionState, Forecast, Sensor } from '../index.js';
import { chanceText, frostRow } from './frost.js';
import type { SensorState } from './state.js';
import { lastReadingTs, latestForecast } from './state.js';

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard markup lacks #${id}`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

const time = (ms: number | undefined) => (ms === undefined ? '–' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + 'Z');

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'disconnected',
};

export function renderStatus(state: ConnectionState): void {
  const badge = byId('status');
  badge.textContent = STATE_TEXT[state];
  badge.dataset.state = state;
}

/** The sensor's clock alignment when the model shifted it: its hour inputs are read this many hours off UTC. */
function cycle(s: Sensor): string {
  const h = s.clockShiftHours;
  return h === undefined || h === 0 ? '' : ` · clock ${h > 0 ? '+' : '−'}${Math.abs(h)} h`;
}

export function renderSensors(sensors: readonly Sensor[], selected: string | undefined, choose: (sensor: string) => void): void {
  const list = byId('sensors');
  list.replaceChildren(
    ...sensors.map((s) => {
      const button = el('button', undefined, 'sensor');
      button.type = 'button';
      button.dataset.sensor = s.sensor;
      button.setAttribute('aria-pressed', String(s.sensor === selected));
      button.append(el('span', s.sensor, 'sensor-id'), el('span', `${s.readings} readings · ${time(s.lastTs)}${cycle(s)}`, 'sensor-meta'));
      button.addEventListener('click', () => choose(s.sensor));
      const item = el('li');
      item.append(button);
      return item;
    }),
  );
  byId('no-sensors').hidden = sensors.length > 0;
}

const LEADS = [1, 3, 6, 12, 24];

export function renderSummary(state: SensorState): void {
  byId('sensor-name').textContent = state.sensor;
  const last = state.readings[state.readings.length - 1];
  byId('last-reading').textContent = last ? `${last.temp.toFixed(1)} °C at ${time(lastReadingTs(state))}` : 'no readings yet';
  const f = latestForecast(state);
  const body = byId<HTMLTableSectionElement>('forecast-rows');
  byId('forecast-meta').textContent = f ? describe(f) : 'no forecast yet: forecasts are issued when a step closes';
  body.replaceChildren(
    ...(f ? LEADS.filter((k) => k <= f.points.length) : []).map((k) => {
      const p = f!.points[k - 1];
      const row = el('tr');
      row.append(
        el('td', `+${(k * f!.stepSeconds) / 3600}h`),
        el('td', p.p50.toFixed(1), 'num'),
        el('td', `${p.p10.toFixed(1)} … ${p.p90.toFixed(1)}`, 'num'),
      );
      return row;
    }),
  );
}

/** The chance-of-frost row of the latest forecast: hidden when it has no P(<= 0 C). */
export function renderFrost(state: SensorState): number {
  const f = latestForecast(state);
  const cells = frostRow(f);
  byId('frost').hidden = cells.length === 0;
  byId('frost-leads').replaceChildren(el('th', 'lead'), ...cells.map((c) => el('th', `+${(c.step * f!.stepSeconds) / 3600}h`, 'num')));
  byId('frost-row').replaceChildren(
    el('th', 'chance of frost'),
    ...cells.map((c) => {
      const td = el('td', chanceText(c.p), 'num');
      td.dataset.p = String(c.p);
      // Shade by chance, so a frosty night stands out in the row at a glance.
      td.style.background = `rgba(37, 99, 235, ${(0.6 * c.p).toFixed(3)})`;
      return td;
    }),
  );
  return cells.length;
}

/** Says why the skill chart is empty, or how much lies behind it. */
export function renderSkillNote(state: SensorState): void {
  const first = state.skill?.steps[0];
  byId('skill-note').textContent =
    first === undefined || first.n === 0
      ? 'No verified forecasts yet: a forecast is scored once the readings of its target hours arrive.'
      : `${first.n} forecasts scored one step ahead (window: last ${state.skill!.window}).`;
}

function describe(f: Forecast): string {
  const flag = f.degraded ? ' · degraded input' : '';
  return `from ${time(f.origin)} · model v${f.modelVersion}${flag}`;
}
