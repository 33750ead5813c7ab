import { h } from './dom.js';
import { percent, t } from './i18n.js';

export interface SeatView {
  id: string;
  number: number;
  status: 'available' | 'held' | 'sold';
  accessible: boolean;
  tierId: string;
}
export interface SeatMap {
  sections: { name: string; rows: { row: string; seats: SeatView[] }[] }[];
}

/**
 * The seat map: one SVG grid per section, drawn at a fixed size in CSS pixels (never squeezed
 * to the screen's width), so every seat is a touch target of at least 24×24 px (WCAG 2.2,
 * 2.5.8) on a phone as on a desk. A wide section scrolls sideways in its own box; the zoom
 * buttons make seats bigger still, and the page itself can be pinch-zoomed.
 *
 * For the keyboard and screen readers each section is an ARIA grid of rows of seats: one tab
 * stop per section (a roving tabindex), the arrow keys move between the seats one can choose,
 * Home/End go to the ends of the row, Ctrl+Home/End to the first and last seat of the section,
 * Enter or Space chooses. Sold and held seats are drawn and named, but not chosen.
 *
 * The page draws the map again whenever the choice or the seats change; what the fan was doing
 * survives that: the seat that had focus, each section's tab stop and scroll, and the zoom.
 */

/** A seat's side in CSS px at zoom 1: above the 24 px minimum target, with room for the outline. */
const SEAT = 26;
/** From one seat to the next: the 4 px between two seats keeps neighbouring targets apart. */
const PITCH = 30;
/** The row labels' column. */
const LABELS = 30;
const ZOOMS = [1, 1.25, 1.5, 2] as const;

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag: string, attrs: Record<string, string | number>) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

/** What outlives one drawing of the map (see the module's comment). */
const memory = {
  zoom: 0 as number,
  /** Each section's tab stop: the seat the fan was last on there. */
  active: new Map<string, string>(),
};

const seatName = (section: string, row: string, seat: SeatView) => {
  const values = { section, row, seat: seat.number };
  return seat.accessible ? t('sale:seatmap.seatAccessible', values) : t('sale:seatmap.seat', values);
};

/** A seat one cannot choose, named with why: "A, row 2, seat 3: sold". */
const takenName = (name: string, seat: SeatView) =>
  seat.status === 'sold' ? t('sale:seatmap.sold', { seat: name }) : t('sale:seatmap.held', { seat: name });

/** The seats one can move to with the keys, row by row; the column is the seat's place in its row. */
type Grid = { id: string; column: number }[][];

function gridOf(section: SeatMap['sections'][number]): Grid {
  return section.rows.map((row) =>
    row.seats.flatMap((seat, column) => (seat.status === 'available' ? [{ id: seat.id, column }] : [])),
  );
}

/** Where the key leads from the seat at (row r, index i of the row's choosable seats), or null. */
function move(grid: Grid, r: number, i: number, key: string, ctrl: boolean): string | null {
  const here = grid[r]![i]!;
  const nearestIn = (row: Grid[number]) =>
    row.reduce((best, seat) =>
      Math.abs(seat.column - here.column) < Math.abs(best.column - here.column) ? seat : best,
    );
  const vertical = (step: 1 | -1) => {
    for (let k = r + step; k >= 0 && k < grid.length; k += step) if (grid[k]!.length) return nearestIn(grid[k]!).id;
    return null;
  };
  const rowsWithSeats = grid.filter((row) => row.length);
  switch (key) {
    case 'ArrowRight':
      return grid[r]![i + 1]?.id ?? null;
    case 'ArrowLeft':
      return grid[r]![i - 1]?.id ?? null;
    case 'ArrowDown':
      return vertical(1);
    case 'ArrowUp':
      return vertical(-1);
    case 'Home':
      return ctrl ? (rowsWithSeats[0]?.[0]?.id ?? null) : grid[r]![0]!.id;
    case 'End':
      return ctrl ? (rowsWithSeats.at(-1)?.at(-1)?.id ?? null) : grid[r]!.at(-1)!.id;
    default:
      return null;
  }
}

/** The seat that is this section's tab stop: where the fan last was, else their first choice, else the first seat. */
function tabStop(name: string, grid: Grid, selected: ReadonlySet<string>): string | null {
  const ids = grid.flat().map((s) => s.id);
  const remembered = memory.active.get(name);
  if (remembered && ids.includes(remembered)) return remembered;
  return ids.find((id) => selected.has(id)) ?? ids[0] ?? null;
}

function drawSection(
  section: SeatMap['sections'][number],
  index: number,
  selected: ReadonlySet<string>,
  onToggle: (seat: SeatView, label: string) => void,
): HTMLElement {
  const widest = Math.max(1, ...section.rows.map((r) => r.seats.length));
  const width = LABELS + widest * PITCH;
  const height = section.rows.length * PITCH + 4;
  const headingId = `seatmap-section-${index}`;
  const grid = gridOf(section);
  const stop = tabStop(section.name, grid, selected);
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'seatmap-section',
    role: 'grid',
    'aria-multiselectable': 'true',
    'aria-labelledby': headingId,
    'aria-describedby': 'seatmap-keys',
    'aria-rowcount': section.rows.length,
    'data-section': section.name,
    // Out of the tab order itself (Chromium would stop on a grid wider than its box): its seats are the stop.
    tabindex: -1,
  });
  // Its size at zoom 1 in CSS px; the stylesheet multiplies it by the map's zoom.
  root.style.setProperty('--natural-width', `${width}px`);
  const bySeat = new Map<string, { seat: SeatView; name: string; r: number; i: number }>();

  section.rows.forEach((row, r) => {
    const line = svg('g', { role: 'row', 'aria-rowindex': r + 1 });
    const label = svg('text', { x: 2, y: 4 + r * PITCH + SEAT / 2 + 4, class: 'row-label', role: 'rowheader' });
    label.textContent = row.row;
    line.append(label);
    let choosable = 0;
    row.seats.forEach((seat, x) => {
      const name = seatName(section.name, row.row, seat);
      const isSelected = selected.has(seat.id);
      const available = seat.status === 'available';
      const rect = svg('rect', {
        x: LABELS + x * PITCH,
        y: 4 + r * PITCH,
        width: SEAT,
        height: SEAT,
        rx: 5,
        class: `seat seat-${seat.status}${isSelected ? ' seat-selected' : ''}${seat.accessible ? ' seat-accessible' : ''}`,
        'data-seat': seat.id,
        role: 'gridcell',
        'aria-colindex': x + 1,
        'aria-label': available ? name : takenName(name, seat),
        'aria-selected': String(isSelected),
      });
      if (available) {
        rect.setAttribute('tabindex', seat.id === stop ? '0' : '-1');
        rect.addEventListener('click', () => onToggle(seat, name));
        bySeat.set(seat.id, { seat, name, r, i: choosable++ });
      } else {
        rect.setAttribute('aria-disabled', 'true');
        const title = svg('title', {});
        title.textContent = takenName(name, seat);
        rect.append(title);
      }
      line.append(rect);
    });
    root.append(line);
  });

  root.addEventListener('focusin', (e) => {
    const id = (e.target as Element).getAttribute('data-seat');
    if (!id || !bySeat.has(id)) return;
    memory.active.set(section.name, id);
    for (const other of root.querySelectorAll('[tabindex="0"]'))
      if (other !== e.target) other.setAttribute('tabindex', '-1');
    (e.target as Element).setAttribute('tabindex', '0');
  });
  root.addEventListener('keydown', (e) => {
    const id = (e.target as Element).getAttribute('data-seat');
    const at = id ? bySeat.get(id) : undefined;
    if (!at) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onToggle(at.seat, at.name);
      return;
    }
    const next = move(grid, at.r, at.i, e.key, e.ctrlKey || e.metaKey);
    if (next === null && !['ArrowRight', 'ArrowLeft', 'ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault(); // arrows move between seats, not the page
    if (next) root.querySelector<SVGElement>(`[data-seat="${next}"]`)?.focus();
  });

  return h(
    'div',
    { class: 'seatmap-block' },
    h('h4', { id: headingId }, section.name),
    h('div', { class: 'seatmap-scroll', 'data-section': section.name }, root),
  );
}

/** The key to the colours and marks. */
function legend(): HTMLElement {
  const item = (key: string, text: string) =>
    h('li', {}, h('span', { class: `key key-${key}`, 'aria-hidden': 'true' }), ` ${text}`);
  return h(
    'div',
    { class: 'legend' },
    h(
      'ul',
      { class: 'legend-keys', 'aria-label': t('sale:seatmap.legendLabel') },
      item('available', t('sale:seatmap.legendAvailable')),
      item('selected', t('sale:seatmap.legendSelected')),
      item('held', t('sale:seatmap.legendHeld')),
      item('sold', t('sale:seatmap.legendSold')),
      item('accessible', t('sale:seatmap.legendAccessible')),
    ),
    h('p', { class: 'legend-note' }, t('sale:seatmap.legendNote')),
  );
}

function zoomControls(wrap: HTMLElement): HTMLElement {
  const words = () => t('sale:seatmap.zoom', { percent: percent(memory.zoom) });
  const level = h('span', { class: 'zoom-level', 'aria-live': 'polite' }, words());
  const button = (dir: 1 | -1, text: string, label: string) => {
    const b = h(
      'button',
      { type: 'button', class: 'secondary small', 'aria-label': label, 'data-zoom': dir > 0 ? 'in' : 'out' },
      text,
    );
    b.addEventListener('click', () => {
      const at = ZOOMS.indexOf(memory.zoom as (typeof ZOOMS)[number]);
      const next = ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, at + dir))]!;
      memory.zoom = next;
      wrap.style.setProperty('--seat-zoom', String(next));
      level.textContent = words();
      for (const z of wrap.querySelectorAll<HTMLButtonElement>('[data-zoom]'))
        z.disabled = z.dataset.zoom === 'in' ? next === ZOOMS.at(-1) : next === ZOOMS[0];
    });
    return b;
  };
  const out = button(-1, '−', t('sale:seatmap.smaller'));
  const into = button(1, '+', t('sale:seatmap.bigger'));
  out.disabled = memory.zoom === ZOOMS[0];
  into.disabled = memory.zoom === ZOOMS.at(-1);
  return h('div', { class: 'seatmap-tools', role: 'group', 'aria-label': t('sale:seatmap.size') }, out, level, into);
}

/**
 * The seat map for `map`, with `selected` seats marked; `onToggle` receives a seat the fan
 * clicked, tapped or chose from the keyboard, with its name in words.
 */
export function renderSeatMap(
  map: SeatMap,
  selected: ReadonlySet<string>,
  onToggle: (seat: SeatView, label: string) => void,
): Element {
  // Bigger seats from the start where the pointer is a finger.
  if (!memory.zoom) memory.zoom = matchMedia('(pointer: coarse)').matches ? ZOOMS[1] : ZOOMS[0];
  // The drawing this one replaces: its scroll per section and the seat that had focus.
  const scrolled = new Map(
    [...document.querySelectorAll<HTMLElement>('.seatmap-scroll')].map((el) => [el.dataset.section, el.scrollLeft]),
  );
  const focused = document.activeElement?.closest('.seatmap') ? document.activeElement.getAttribute('data-seat') : null;

  const wrap = h('div', { class: 'seatmap', role: 'group', 'aria-label': t('sale:seatmap.label') });
  wrap.style.setProperty('--seat-zoom', String(memory.zoom));
  wrap.append(h('p', { id: 'seatmap-keys', class: 'hint' }, t('sale:seatmap.keys')), zoomControls(wrap));
  map.sections.forEach((section, i) => wrap.append(drawSection(section, i, selected, onToggle)));
  wrap.append(legend());

  // Once the page has put the new drawing in place of the old one.
  queueMicrotask(() => {
    if (!wrap.isConnected) return;
    for (const box of wrap.querySelectorAll<HTMLElement>('.seatmap-scroll')) {
      const left = scrolled.get(box.dataset.section);
      if (left) box.scrollLeft = left;
    }
    if (focused && document.activeElement === document.body)
      wrap.querySelector<SVGElement>(`[data-seat="${focused}"]`)?.focus({ preventScroll: true });
  });
  return wrap;
}
