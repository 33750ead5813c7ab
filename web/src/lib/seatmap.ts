import { h } from './dom.js';

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

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag: string, attrs: Record<string, string | number>) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
};

/**
 * The seat map as SVG: one focusable button per available seat (keyboard and screen readers
 * can pick seats), sold and held seats drawn but inert. `onToggle` receives the seat id.
 */
export function renderSeatMap(
  map: SeatMap,
  selected: ReadonlySet<string>,
  onToggle: (seat: SeatView, label: string) => void,
): Element {
  const wrap = h('div', { class: 'seatmap', role: 'group', 'aria-label': 'Seat map' });
  for (const section of map.sections) {
    const widest = Math.max(1, ...section.rows.map((r) => r.seats.length));
    const width = 40 + widest * 22;
    const height = 10 + section.rows.length * 22;
    const root = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      width: '100%',
      role: 'presentation',
      class: 'seatmap-section',
    });
    section.rows.forEach((row, y) => {
      const label = svg('text', { x: 4, y: 22 + y * 22 - 6, class: 'row-label' });
      label.textContent = row.row;
      root.append(label);
      row.seats.forEach((seat, x) => {
        const name = `${section.name}, row ${row.row}, seat ${seat.number}${seat.accessible ? ' (accessible)' : ''}`;
        const isSelected = selected.has(seat.id);
        const rect = svg('rect', {
          x: 36 + x * 22,
          y: 6 + y * 22,
          width: 18,
          height: 18,
          rx: 4,
          class: `seat seat-${seat.status}${isSelected ? ' seat-selected' : ''}${seat.accessible ? ' seat-accessible' : ''}`,
          'data-seat': seat.id,
        });
        if (seat.status === 'available') {
          rect.setAttribute('tabindex', '0');
          rect.setAttribute('role', 'button');
          rect.setAttribute('aria-pressed', String(isSelected));
          rect.setAttribute('aria-label', name);
          const toggle = () => onToggle(seat, name);
          rect.addEventListener('click', toggle);
          rect.addEventListener('keydown', (e) => {
            const key = (e as KeyboardEvent).key;
            if (key === 'Enter' || key === ' ') {
              e.preventDefault();
              toggle();
            }
          });
        } else {
          const title = svg('title', {});
          title.textContent = `${name}: ${seat.status === 'sold' ? 'sold' : 'being bought'}`;
          rect.append(title);
        }
        root.append(rect);
      });
    });
    wrap.append(h('h4', {}, section.name), root);
  }
  wrap.append(
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'key key-available' }),
      ' available ',
      h('span', { class: 'key key-selected' }),
      ' your choice ',
      h('span', { class: 'key key-held' }),
      ' being bought ',
      h('span', { class: 'key key-sold' }),
      ' sold',
    ),
  );
  return wrap;
}
