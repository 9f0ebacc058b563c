// Entry point of the browser dashboard (bundled by bundle.ts, served at /dashboard.js): connects with the
// client SDK, lists sensors, and for the chosen one keeps readings, the forecast band, past forecasts and
// rolling skill up to date from WebSocket forecasts, without reloading.
import uplotCss from 'uplot/dist/uPlot.min.css';
import {
  BehaviorSubject,
  EMPTY,
  Subject,
  catchError,
  combineLatest,
  concat,
  defer,
  distinctUntilChanged,
  exhaustMap,
  filter,
  from,
  fromEvent,
  interval,
  map,
  merge,
  share,
  startWith,
  switchMap,
  tap,
  throttleTime,
  timer,
} from 'rxjs';
import { connect, type Sensor, type StoredReading, type WxClient } from '../index.js';
import { createForecastChart, createSkillChart, followWidth, setForecastData, setSkillData } from './charts.js';
import { coalesceMap } from './coalesce-map.js';
import { pageThresholds } from './frost.js';
import { addForecast, addReadings, chartData, emptyState, lastReadingTs, skillSeries, type SensorState } from './state.js';
import { byId, renderFrost, renderSensors, renderSkillNote, renderStatus, renderSummary } from './view.js';

const SENSOR_REFRESH_MS = 15_000;
/** Readings also show up between forecasts (a step closes only when the next one starts). */
const READING_POLL_MS = 10_000;
const SKILL_THROTTLE_MS = 2_000;
const MAX_PAGES = 20;

async function main(): Promise<void> {
  const style = document.createElement('style');
  style.textContent = uplotCss;
  document.head.append(style);

  const token = new URLSearchParams(location.search).get('token') ?? undefined;
  const thresholds = pageThresholds(location.search);
  const client = await connect(new URL('.', location.href).href, { token, connectTimeoutMs: 30_000 });
  client.state$.subscribe(renderStatus);

  const chartEl = byId('forecast-chart');
  const skillEl = byId('skill-chart');
  const forecastChart = createForecastChart(chartEl);
  const skillChart = createSkillChart(skillEl);
  followWidth(forecastChart, chartEl);
  followWidth(skillChart, skillEl);

  const leadSelect = byId<HTMLSelectElement>('lead');
  const historySelect = byId<HTMLSelectElement>('history');
  const fromHash = decodeURIComponent(location.hash.replace(/^#sensor=/, ''));
  const selected$ = new BehaviorSubject<string | undefined>(fromHash || undefined);
  const historyMs$ = fromEvent(historySelect, 'change').pipe(
    map(() => Number(historySelect.value)),
    startWith(Number(historySelect.value)),
  );
  const redraw$ = new Subject<void>();
  let sensors: Sensor[] = [];
  let state: SensorState | undefined;
  let renders = 0;

  const choose = (sensor: string) => {
    history.replaceState(null, '', `#sensor=${encodeURIComponent(sensor)}`);
    selected$.next(sensor);
  };

  timer(0, SENSOR_REFRESH_MS)
    .pipe(exhaustMap(() => from(client.api.sensors()).pipe(catchError(() => EMPTY))))
    .subscribe((list) => {
      sensors = list;
      if (selected$.value === undefined && list.length > 0) choose(list[0].sensor);
      else renderSensors(sensors, selected$.value, choose);
    });

  combineLatest([selected$.pipe(filter((s): s is string => s !== undefined), distinctUntilChanged()), historyMs$])
    .pipe(
      switchMap(([sensor, historyMs]) => {
        state = emptyState(sensor);
        renderSensors(sensors, sensor, choose);
        redraw$.next();
        const store = {
          get: () => state!,
          set: (next: SensorState) => {
            state = next;
            redraw$.next();
          },
        };
        return follow(client, sensor, historyMs, store, thresholds);
      }),
    )
    .subscribe();

  merge(redraw$, fromEvent(leadSelect, 'change')).subscribe(() => {
    if (!state) return;
    const data = chartData(state, { lead: Number(leadSelect.value), historyMs: Number(historySelect.value) });
    setForecastData(forecastChart, data);
    setSkillData(skillChart, skillSeries(state.skill));
    renderSummary(state);
    renderSkillNote(state);
    const frost = renderFrost(state);
    // Hooks for the browser test, and for people poking at the page.
    Object.assign(chartEl.dataset, {
      sensor: state.sensor,
      readings: String(data.actual.filter((v) => v !== null).length),
      known: String(state.readings.length),
      band: String(data.p10.filter((v) => v !== null).length),
      past: String(data.past.filter((v) => v !== null).length),
      lastReading: String(lastReadingTs(state) ?? ''),
      forecasts: String(state.forecasts.length),
      origin: String(state.forecasts[state.forecasts.length - 1]?.origin ?? ''),
      skillScored: String(state.skill?.steps[0]?.n ?? 0),
      frost: String(frost),
      renders: String(++renders),
    });
  });
  document.body.dataset.ready = 'true';
}

interface Store {
  get(): SensorState;
  set(next: SensorState): void;
}

/**
 * Everything live about one sensor: its recent history first, then on each forecast (and on a slow poll)
 * the new readings and, throttled, the skill. Unsubscribing (another sensor chosen) drops the server
 * subscription.
 */
function follow(client: WxClient, sensor: string, historyMs: number, store: Store, thresholds: readonly number[]) {
  const initial = defer(async () => {
    const info = await client.api.sensor(sensor);
    const from = info?.lastTs === undefined ? undefined : info.lastTs - historyMs;
    const readings = await readAll(client, sensor, from);
    const latest = await client.latest(sensor, { thresholds }).catch(() => undefined);
    const next = addReadings(store.get(), readings);
    store.set(latest ? addForecast(next, latest) : next);
  }).pipe(catchError(() => EMPTY));

  const forecasts$ = client.forecasts([sensor], { thresholds }).pipe(
    tap((f) => store.set(addForecast(store.get(), f))),
    share(),
  );
  const readings$ = merge(forecasts$, interval(READING_POLL_MS)).pipe(
    coalesceMap(async () => {
      const last = lastReadingTs(store.get());
      const readings = await readAll(client, sensor, last === undefined ? undefined : last + 1);
      // Read the state only now: forecasts may have arrived during the fetch.
      store.set(addReadings(store.get(), readings));
    }),
    catchError(() => EMPTY),
  );
  const skill$ = merge(timer(0), forecasts$).pipe(
    throttleTime(SKILL_THROTTLE_MS, undefined, { leading: true, trailing: true }),
    switchMap(() => from(client.api.skill(sensor)).pipe(catchError(() => EMPTY))),
    tap((skill) => store.set({ ...store.get(), skill })),
  );
  return concat(initial, merge(readings$, skill$));
}

async function readAll(client: WxClient, sensor: string, from: number | undefined): Promise<StoredReading[]> {
  const out: StoredReading[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await client.api.readings(sensor, {
      ...(from === undefined ? {} : { from }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    out.push(...result.readings);
    cursor = result.next;
    if (cursor === undefined) break;
  }
  return out;
}

main().catch((error: unknown) => {
  const banner = document.getElementById('fatal');
  if (banner) {
    banner.hidden = false;
    banner.textContent = `Dashboard failed to start: ${(error as Error).message}`;
  }
  document.body.dataset.ready = 'error';
});
