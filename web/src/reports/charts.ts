import uPlot from 'uplot';
import { h } from '../lib/dom.js';
import { locale, number } from '../lib/i18n.js';

/**
 * The report pages' charts (uPlot, bundled into the page) and the table beside each one: a
 * chart is drawn for the eye only (aria-hidden in the HTML); its table holds the same figures
 * for screen readers, keyboards and copying. The pages pass the words (axis labels, lines);
 * numbers and times are written in the page's language.
 */

/** Series colours with at least 3:1 contrast on white, told apart by dash as well as colour. */
const PALETTE = [
  { stroke: '#0b5cad', dash: [] },
  { stroke: '#a15c00', dash: [6, 3] },
  { stroke: '#0f6b3a', dash: [2, 2] },
  { stroke: '#7a2c9e', dash: [8, 3, 2, 3] },
  { stroke: '#a11a1a', dash: [4, 4] },
];

export interface Line {
  label: string;
  values: number[];
}

const width = (el: HTMLElement) => Math.max(280, Math.min(el.clientWidth || 720, 960));

/** Whole counts on a count axis: no tick at 1.5 fans. */
const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 100_000];

/** A time axis's ticks as the page's language writes a clock: "20:05", with seconds when ticks are closer. */
const clockTicks = (_u: uPlot, ticks: number[]) => {
  const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : 60;
  const format = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    ...(step < 60 ? { second: '2-digit' as const } : {}),
    hourCycle: 'h23',
  });
  return ticks.map((s) => format.format(s * 1000));
};

/** A count axis's ticks in the page's language: "1,000", "1.000". */
const countTicks = (_u: uPlot, ticks: number[]) => ticks.map((n) => number(n));

/**
 * Lines over time; `xs` are epoch seconds, `stepSeconds` apart (a lone point gets a step either
 * side); `counted` names what the y axis counts ("fans").
 */
export function timeChart(el: HTMLElement, xs: number[], lines: Line[], stepSeconds: number, counted: string): void {
  el.replaceChildren();
  if (xs.length === 0) return;
  new uPlot(
    {
      width: width(el),
      height: 260,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        // A lone point gets a step either side; counts start at 0.
        x: { time: true, ...(xs.length === 1 ? { range: [xs[0]! - stepSeconds, xs[0]! + stepSeconds] } : {}) },
        y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      series: [{}, ...lines.map((l, i) => ({ label: l.label, width: 2, ...PALETTE[i % PALETTE.length] }))],
      axes: [{ values: clockTicks }, { label: counted, incrs: COUNT_STEPS, values: countTicks }],
    },
    [xs, ...lines.map((l) => l.values)],
    el,
  );
  el.append(legend(lines.map((l) => l.label)));
}

/**
 * A histogram: counts per bin of `binSeconds` from 0; `label` names what is counted ("fans"),
 * `waited` the x axis, and `tick` writes a time on it ("3 min").
 */
export function histogram(
  el: HTMLElement,
  bins: number[],
  binSeconds: number,
  label: string,
  waited: string,
  tick: (seconds: number) => string,
): void {
  el.replaceChildren();
  if (bins.length === 0) return;
  const xs = bins.map((_, i) => i * binSeconds);
  new uPlot(
    {
      width: width(el),
      height: 200,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false } },
      series: [
        {},
        { label, fill: 'rgba(11, 92, 173, 0.35)', stroke: PALETTE[0]!.stroke, paths: uPlot.paths.bars!({ align: 1 }) },
      ],
      axes: [
        {
          label: waited,
          // Whole bins only: a tick between two bins would name a time no bin starts at.
          incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].filter((s) => s >= binSeconds),
          values: (_u, ticks) => ticks.map((t) => tick(t)),
        },
        { label, incrs: COUNT_STEPS, values: countTicks },
      ],
    },
    [xs, bins],
    el,
  );
}

function legend(labels: string[]): HTMLElement {
  return h(
    'ul',
    { class: 'chart-legend' },
    ...labels.map((label, i) => {
      const swatch = h('span', { class: `swatch swatch-${i % PALETTE.length}` });
      return h('li', {}, swatch, label);
    }),
  );
}

/** Fills a table: a caption, one header row, then rows of cells (the first cell of each row its header). */
export function fillTable(table: HTMLTableElement, caption: string, head: string[], rows: (string | number)[][]): void {
  const fmt = (v: string | number) => (typeof v === 'number' ? number(v) : v);
  table.replaceChildren(
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h('tr', {}, h('th', { scope: 'row' }, fmt(r[0]!)), ...r.slice(1).map((c) => h('td', {}, fmt(c)))),
      ),
    ),
  );
}

/** A time in the browser's zone, labelled with it, as the page's language writes it. */
export const clock = (iso: string | null): string =>
  iso
    ? new Date(iso).toLocaleString(locale, {
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        timeZoneName: 'short',
      })
    : '—';

/** Downloads an API answer that needs the session (a plain link would not carry it) as a file. */
export async function download(path: string, token: string | null, filename: string): Promise<void> {
  const res = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
